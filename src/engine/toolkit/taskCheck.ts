/**
 * Config task lists are checked before anything slow happens (model load, graph compile), and
 * an unknown name is reported with the config field it sits in, e.g. `data.tasks[1]: …`.
 * Names of imported datasets are loaded from <dataDir>/datasets first.
 */
import { getTask, hasTask, registerDatasetTask } from '../tasks';
import { loadDatasetTasks } from '../tasks/imported';

export function checkTaskNames(tasks: readonly { task: string }[], field: string, dataDir?: string): void {
  if (dataDir) loadDatasetTasks(dataDir, tasks.map((t) => t.task), registerDatasetTask, hasTask);
  tasks.forEach((t, i) => {
    try {
      getTask(t.task);
    } catch (e) {
      throw new Error(`${field}[${i}]: ${(e as Error).message}`);
    }
  });
}
