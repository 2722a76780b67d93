/**
 * A sweep as the report sees it: which run folders are its members (read from the sweep folder
 * through @gan/runs) and which config keys it swept, so `--sweep <id>` can narrow a listing to them
 * and `report diff sweep:<id>` can compare their groups.
 */
import { resolve } from 'node:path';
import { memberRunEntry, readMemberRuns, readSweepMeta, readSweepMembers, resolveSweepRef } from '@gan/runs';
import { ReportError } from './errors.ts';

/** A sweep's members, as run folders. */
export interface SweepSelection {
  id: string;
  dir: string;
  /** The keys whose values differ between members (the seed first when it does). */
  swept: string[];
  /** Members in the sweep (some may have no run folder yet). */
  members: number;
  /** Absolute run folders of the members that have one. */
  runDirs: Set<string>;
}

/** Finds a sweep by reference (id, prefix, name, name@N, its folder) and reads its members' runs. */
export async function readSweepSelection(experimentsDir: string, ref: string): Promise<SweepSelection> {
  let found: { id: string; dir: string };
  try {
    found = resolveSweepRef(experimentsDir, ref);
  } catch (error) {
    throw new ReportError(`--sweep ${(error as Error).message}`);
  }
  const meta = readSweepMeta(found.dir);
  const runs = await readMemberRuns(found.dir);
  const runDirs = new Set([...runs.values()].map((r) => resolve(memberRunEntry(experimentsDir, r).runDir)));
  return {
    id: found.id,
    dir: found.dir,
    swept: meta.swept,
    members: readSweepMembers(found.dir).length,
    runDirs,
  };
}

/** `sweep:<ref>` in `report diff`: every group of a sweep. */
export const SWEEP_REF = /^sweep:(.+)$/;
