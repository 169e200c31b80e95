import fs from 'node:fs';
import path from 'node:path';
import { anchorFingerprint, trustAnchorsProblem, type TrustAnchors } from '../../ledger/index.ts';
import { UsageError, type CliIO } from './command.ts';

/**
 * Trust anchors pinned with `sluice trust pin`, by gateway origin, like SSH's known_hosts:
 * `$SLUICE_TRUST_STORE`, else `$XDG_CONFIG_HOME/sluice/trusted-anchors.json`, else
 * `$HOME/.config/sluice/trusted-anchors.json`. `sluice verify` uses them when no `--trust`
 * file is given, so a regulator verifies offline with what it pinned.
 */
export interface PinnedAnchors {
  pinnedAt: string;
  anchors: TrustAnchors;
}

interface StoreFile {
  format: typeof STORE_FORMAT;
  gateways: Record<string, PinnedAnchors>;
}

const STORE_FORMAT = 'sluice.pinned-anchors.v1';

/** Where the store is for this environment, or undefined when none can be named. */
export function trustStorePath(io: CliIO): string | undefined {
  const { SLUICE_TRUST_STORE: explicit, XDG_CONFIG_HOME: config, HOME: home } = io.env;
  if (explicit) return path.resolve(io.cwd, explicit);
  if (config) return path.join(config, 'sluice', 'trusted-anchors.json');
  if (home) return path.join(home, '.config', 'sluice', 'trusted-anchors.json');
  return undefined;
}

/** Every pinned gateway's anchors; a missing store is empty, a damaged one an error (never silently ignored). */
export function readPinned(file: string): Record<string, PinnedAnchors> {
  if (!fs.existsSync(file)) return {};
  let parsed: Partial<StoreFile>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<StoreFile>;
  } catch {
    throw new UsageError(`the pinned trust anchors in ${file} are not readable JSON`);
  }
  const gateways = parsed.gateways;
  const valid =
    parsed.format === STORE_FORMAT &&
    typeof gateways === 'object' &&
    gateways !== null &&
    Object.values(gateways).every((entry) => typeof entry?.pinnedAt === 'string' && trustAnchorsProblem(entry.anchors) === undefined);
  if (!valid) throw new UsageError(`the pinned trust anchors in ${file} are damaged`);
  return gateways;
}

export function writePinned(file: string, gateways: Record<string, PinnedAnchors>): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  const content: StoreFile = { format: STORE_FORMAT, gateways };
  fs.writeFileSync(temporary, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(temporary, file);
}

/**
 * One line per anchor: organization, role, algorithm, fingerprint computed here (the served
 * fingerprints are not trusted), and the blocks a rotated key signed.
 */
export function anchorLines(anchors: TrustAnchors): string[] {
  return Object.entries(anchors.orgs).flatMap(([org, keys]) =>
    keys.map((key) => {
      const detail = anchors.keys?.find((d) => d.org === org && d.key === key);
      const blocks = detail?.fromBlock !== undefined || detail?.untilBlock !== undefined ? `  blocks ${detail.fromBlock ?? 0}–${detail.untilBlock ?? '…'}` : '';
      return `${org}  ${detail?.role ?? '-'}  ${detail?.alg ?? '-'}  ${anchorFingerprint(key) ?? 'unreadable key'}${blocks}`;
    }),
  );
}
