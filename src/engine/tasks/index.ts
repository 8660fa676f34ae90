/**
 * The task registry: every built-in verifiable task by name (names match TASK_NAMES in
 * src/shared/config/taskRefs.ts). `getTask(name)` is the one entry point the trainers and the
 * evaluator use; unknown names fail with the list of known ones.
 */
import { arithmeticTask } from './arithmetic';
import { bracketsClassifyTask, bracketsTask } from './brackets';
import { compareTask } from './compare';
import { knightsKnavesTask } from './knightsKnaves/task';
import { majorityTask } from './majority';
import { parityTask } from './parity';
import { TaskError, type Task, type TaskInfo } from './types';
import { wordProblemsTask } from './wordProblems/task';

export * from './types';
export { formatExample } from './format';

const TASKS: readonly Task[] = [
  arithmeticTask,
  bracketsTask,
  bracketsClassifyTask,
  knightsKnavesTask,
  wordProblemsTask,
  parityTask,
  compareTask,
  majorityTask,
];
const BY_NAME = new Map(TASKS.map((t) => [t.name, t]));
/** Imported datasets loaded for this process's run (loadDatasetTasks), by dataset id. */
const IMPORTED = new Map<string, Task>();

/** Whether `name` is a built-in task. */
export function hasTask(name: string): boolean {
  return BY_NAME.has(name);
}

/** Make an imported dataset available under its id (a built-in name cannot be taken). */
export function registerDatasetTask(task: Task): void {
  if (BY_NAME.has(task.name)) throw new TaskError(task.name, null, 'an imported dataset cannot take the name of a built-in task');
  IMPORTED.set(task.name, task);
}

export function getTask(name: string): Task {
  const task = BY_NAME.get(name) ?? IMPORTED.get(name);
  if (!task) {
    throw new TaskError(String(name), null, `unknown task; expected one of ${[...BY_NAME.keys()].join(', ')} (or an imported dataset id${IMPORTED.size ? `: ${[...IMPORTED.keys()].join(', ')}` : ''})`);
  }
  return task;
}

/** Name, kind, knobs and option specs of every built-in task (for the UI and the CLI). */
export function listTasks(): TaskInfo[] {
  return TASKS.map(({ name, kind, description, knobs, options }) => ({ name, kind, description, knobs, options }));
}
