// Run one lesson from start to cleanup: its header, its steps (lessonSteps.ts), the verdict. The run object
// is handed out at once so that a caller (the CLI on Ctrl-C) can clean up while a step is still waiting.
import { lessonByName, LESSONS, type FactResult } from '../../../shared/core/lessons';
import { LessonRun, type RunOptions } from './lessonRun';
import { LESSON_BODIES } from './lessonSteps';

export interface StartedLesson {
  run: LessonRun;
  /** Every fact of the lesson with what the kernel gave; rejects if a step failed (after cleaning up). */
  done: Promise<FactResult[]>;
}

export function startLesson(name: string, opts: RunOptions): StartedLesson {
  const lesson = lessonByName(name);
  const body = LESSON_BODIES[name];
  if (!lesson || !body) throw new Error(`no lesson '${name}' (lessons: ${LESSONS.map((l) => l.name).join(', ')})`);
  const run = new LessonRun(lesson, opts);
  const done = (async () => {
    run.say(`Lesson ${lesson.name}: ${lesson.title.replace(/`/g, '')}`);
    run.say(`  ${lesson.question.replace(/`/g, '')}`);
    try {
      await body(run);
    } finally {
      await run.cleanup();
    }
    const outcome = run.outcome();
    const failed = outcome.filter((r) => !r.ok).length;
    run.say();
    run.say(
      failed === 0
        ? `All ${outcome.length} claims held on this kernel. Everything the lesson made is gone.`
        : `${failed} of ${outcome.length} claims did not hold on this kernel. Everything the lesson made is gone.`,
    );
    return outcome;
  })();
  return { run, done };
}
