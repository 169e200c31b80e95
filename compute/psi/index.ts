export { PSI_PROTOCOL, dedupe, psiFinish, psiRequest, psiRespond, type PsiMode, type PsiOutcome, type PsiSession } from './protocol.ts';
export { X25519Pool } from './x25519-pool.ts';
