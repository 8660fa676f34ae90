/**
 * Chart redraws spread over animation frames: when a flush of live points changes many charts
 * at once, at most `perFrame` of them rebuild their option in one frame and the rest follow in
 * the next frames, so no single frame carries the whole page (ECharts lays a chart out when its
 * option is set and paints it on the frame after).
 */
type Job = () => void;

const raf: (f: () => void) => unknown =
  typeof requestAnimationFrame === 'function' ? (f) => requestAnimationFrame(f) : (f) => setTimeout(f, 16);

export class RedrawQueue {
  private readonly jobs = new Set<Job>();
  private pending = false;

  constructor(private readonly perFrame: number) {}

  /** Run `job` in a coming frame (once, however often it is requested before then). */
  request(job: Job): void {
    this.jobs.add(job);
    if (!this.pending) {
      this.pending = true;
      raf(() => this.frame());
    }
  }

  /** Forget a job (its chart was unmounted). */
  cancel(job: Job): void {
    this.jobs.delete(job);
  }

  get size(): number {
    return this.jobs.size;
  }

  private frame(): void {
    this.pending = false;
    let n = 0;
    for (const job of this.jobs) {
      if (n++ >= this.perFrame) break;
      this.jobs.delete(job);
      job();
    }
    if (this.jobs.size && !this.pending) {
      this.pending = true;
      raf(() => this.frame());
    }
  }
}

/** The run page's charts share one queue. */
export const chartRedraws = new RedrawQueue(3);
