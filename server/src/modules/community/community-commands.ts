// Runs a community command like dispatch runs its own: read → plan (pure, shared machines) → one compare-and-set
// commit (plugins/plan-commit.lua). When a document changed between the read and the commit nothing is written and
// the command is planned again from a fresh read; the loser of a real race then finds the step illegal (409). A
// command id seen before answers its stored result and does nothing again.
import { commandIdReused, type CommunityActor, type CommunityCommandResult, type CommunityTask, type DisputeCase } from '@ccr/shared';
import type { CommunityRepository, CommunityWrite, Read } from './community-repository.js';

const MAX_ATTEMPTS = 25;

/** A refusal as the routes answer it: status, code and params (@ccr/shared errors.ts), an English message, and
 *  what it concerns. */
export interface CommunityError {
  status: 400 | 404 | 409;
  error: string;
  params: Record<string, string | number>;
  message: string;
  subject?: 'dispute' | 'task' | 'incident';
  id?: string;
  from?: string;
  to?: string;
}

export interface PlanInput {
  actor: CommunityActor;
  disputes: Map<string, Read<DisputeCase>>;
  tasks: Map<string, Read<CommunityTask>>;
}

export type PlannedWrite = Omit<CommunityWrite, 'now' | 'command' | 'result'>;
export type PlanOutcome = { ok: true; write: PlannedWrite; answer: { dispute?: DisputeCase; tasks?: CommunityTask[] } } | { ok: false; error: CommunityError };
export type CommandOutcome = { ok: true; result: CommunityCommandResult } | { ok: false; error: CommunityError };

export interface CommunityCommandSpec {
  command: { id: string; bodyHash: string };
  actor: CommunityActor;
  disputeIds: string[];
  taskIds: string[];
  /** Called on every attempt, so anything it reads besides the documents (an incident) is read afresh too. */
  plan(input: PlanInput): PlanOutcome | Promise<PlanOutcome>;
}

export function notFound(subject: 'dispute' | 'task' | 'incident', id: string): CommunityError {
  return { status: 404, error: 'not_found', subject, id, params: { subject, id }, message: `no ${subject} "${id}"` };
}

export class CommunityCommands {
  constructor(private readonly repo: CommunityRepository) {}

  /** The answer of a command id seen before: its stored result, or a 409 when it was used for another request. */
  async replay(command: { id: string; bodyHash: string }): Promise<CommandOutcome | null> {
    const stored = await this.repo.readCommand(command.id);
    if (!stored) return null;
    if (stored.bodyHash === command.bodyHash) return { ok: true, result: { ...stored.result, replayed: true } };
    return {
      ok: false,
      error: {
        status: 409, ...commandIdReused(command.id),
      },
    };
  }

  async run(spec: CommunityCommandSpec): Promise<CommandOutcome> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const replayed = await this.replay(spec.command);
      if (replayed) return replayed;
      const disputes = await this.repo.readDisputes(spec.disputeIds);
      const missingDispute = spec.disputeIds.find((id) => !disputes.has(id));
      if (missingDispute) return { ok: false, error: notFound('dispute', missingDispute) };
      const tasks = await this.repo.readTasks(spec.taskIds);
      const missingTask = spec.taskIds.find((id) => !tasks.has(id));
      if (missingTask) return { ok: false, error: notFound('task', missingTask) };

      const planned = await spec.plan({ actor: spec.actor, disputes, tasks });
      if (!planned.ok) {
        // The same command may have been committed by a concurrent retry after we looked: then its result answers.
        if (await this.repo.readCommand(spec.command.id)) continue;
        return planned;
      }
      const result: CommunityCommandResult = {
        commandId: spec.command.id, replayed: false,
        ...(planned.answer.dispute ? { dispute: planned.answer.dispute } : {}),
        ...(planned.answer.tasks ? { tasks: planned.answer.tasks } : {}),
      };
      const out = await this.repo.commit({ ...planned.write, now: spec.actor.at, command: spec.command, result: JSON.stringify(result) });
      if (out.kind === 'ok') return { ok: true, result };
      // 'replay': the same command id was committed meanwhile, answered at the top of the loop; 'changed': plan
      // again from a fresh read.
    }
    throw new Error(`community command: too many concurrent changes (${MAX_ATTEMPTS} attempts)`);
  }
}
