export { PSI_PROTOCOL, dedupe, psiFinish, psiRequest, psiRespond, type PsiMode, type PsiOutcome, type PsiRequestState, type PsiSession } from './protocol.ts';
export { joinInput, joinMask, joinRespond, joinTags, type JoinInput } from './join.ts';
export { X25519Pool } from './x25519-pool.ts';
