// The guided experiments: what each lesson does, step by step, and the facts each step shows, with the value
// the kernel must give for each. One source for three readers: `pidns demo` prints these texts and checks each
// fact on the real kernel as it runs, the VS Code walkthrough's markdown (media/walkthrough/) is generated
// from them (a unit test keeps the files equal), and test/integration/lessons.test.ts runs every lesson and
// requires every fact to hold. So the text cannot say what the kernel does not do.

/** A value a fact is measured as: compared by structure with the fact's `expect`. */
export type Observed = null | boolean | number | string | Observed[];

export interface Fact {
  /** `<lesson>.<what>`: the key the runner measures under. */
  id: string;
  /** The claim, as the demo prints it and the walkthrough says it. */
  claim: string;
  /** What the kernel gives when the claim holds. */
  expect: Observed;
}

export interface LessonStep {
  title: string;
  /** What the demo does in this step, in a sentence. */
  does: string;
  facts: Fact[];
  /**
   * What the graph outlines while the walkthrough runs this step, as its caption over the graph
   * (extension/lessons/lessonCommands.ts names the cards and rows; the walkthrough's markdown says it too).
   */
  highlight?: string;
}

export interface Lesson {
  name: string;
  title: string;
  /** The question of the seed article this answers, in one line. */
  question: string;
  /** How many nested levels the lesson builds with the product's chain code (0: none). */
  depth: number;
  steps: LessonStep[];
  /** The VS Code walkthrough step. */
  walkthrough: {
    /** Label of the button that runs the lesson with the product's commands. */
    button: string;
    /** What the button does through the product's own commands. */
    commands: string;
    /** Where to look in the tree and the graph while it happens. */
    look: string;
  };
}

/** The command a walkthrough button runs (argument: the lesson's name), and the context key it sets when done. */
export const RUN_LESSON_COMMAND = 'pidnsExplorer.runLesson';
export function lessonDoneContext(name: string): string {
  return `pidnsExplorer.lessonDone.${name}`;
}

export const LESSONS: readonly Lesson[] = [
  {
    name: 'levels',
    title: "The seed's five levels",
    question: 'A process in nested PID namespaces has a PID in each of them: which ones?',
    depth: 5,
    steps: [
      {
        title: 'Build five nested PID namespaces',
        does: "Each level's PID 1 creates the next level, as the seed's multi_pidns does; the innermost PID 1 is the leaf, a sleeper.",
        facts: [
          { id: 'levels.inits-are-pid1', claim: "Every level's init is PID 1 in its own namespace.", expect: [1, 1, 1, 1, 1] },
          {
            id: 'levels.nspid-lengths',
            claim: "Level k's init has k+1 PIDs: the host's and one in every level down to its own.",
            expect: [2, 3, 4, 5, 6],
          },
          {
            id: 'levels.leaf-nspid',
            claim: "The leaf reads 5 4 3 2 1: its PID in levels 1 to 5, outermost first (NSpid after the host's column).",
            expect: [5, 4, 3, 2, 1],
          },
          {
            id: 'levels.init-ppid-inside',
            claim:
              "Read in its own level's /proc, every init's parent is PID 0: the parent lives in the level above, which that level cannot see.",
            expect: [0, 0, 0, 0, 0],
          },
        ],
      },
    ],
    walkthrough: {
      button: 'Create the five levels',
      commands: 'Create Nested PID Namespaces (depth 5, /proc per level), with the namespace graph open in the panel.',
      look: "In the tree, the new chain is revealed: five namespaces nested in one another, each with its init. In the graph, the leaf's card reads `host N 5 4 3 2 1`: hover it to see under which PID every ancestor's /proc lists it.",
    },
  },
  {
    name: 'proc',
    title: '/proc shows one level and everything below it',
    question: 'What does `ls /proc` list in level 3, and in level 1?',
    depth: 5,
    steps: [
      {
        title: 'Build five levels, each with its own procfs on /proc',
        does: 'Every level gets a private mount namespace with a procfs mounted by its own init, so nothing is mounted in yours.',
        facts: [],
      },
      {
        title: "List level 3's /proc",
        does: 'Reads the numeric entries of /proc as level 3 sees it (through /proc/<init of level 3>/root/proc: what `ls /proc` prints in a terminal there).',
        facts: [
          {
            id: 'proc.level3-lists',
            claim: "Level 3's /proc lists PIDs 1 2 3: its own init and the inits of the two levels below it (the seed's /proc3).",
            expect: [1, 2, 3],
          },
        ],
      },
      {
        title: "List level 1's /proc",
        does: 'The same for level 1.',
        facts: [
          {
            id: 'proc.level1-lists',
            claim: "Level 1's /proc lists PIDs 1 2 3 4 5: its init and every level below.",
            expect: [1, 2, 3, 4, 5],
          },
          {
            id: 'proc.same-process',
            claim: "PID 1 in level 3's /proc and PID 3 in level 1's /proc are one process: level 3's init.",
            expect: true,
          },
        ],
      },
    ],
    walkthrough: {
      button: 'Open terminals in level 3 and level 1',
      commands:
        'Create Nested PID Namespaces (depth 5) if no chain of five exists, then Open Terminal in Namespace for level 3 and for level 1, each running `ls /proc`.',
      look: "Compare the two terminals: level 3 lists 1 2 3, level 1 lists 1 2 3 4 5. In the graph, hover level 3's card: everything its /proc shows lights up, nothing above it.",
    },
  },
  {
    name: 'orphan',
    title: 'Orphans are adopted by the init of their level',
    question: "What is special about a namespace's init? It adopts the level's orphans and must reap them.",
    depth: 2,
    steps: [
      { title: 'Build two levels', does: 'Level 2 is where the orphan will live.', facts: [] },
      {
        title: 'Make an orphan in level 2',
        does: 'A process in level 2 forks a child (pidns-orphan) and exits at once, so the child loses its parent.',
        highlight: "Level 2's init adopts the orphan: pidns-orphan's parent is now PID 1 of level 2",
        facts: [
          {
            id: 'orphan.reparented-inside',
            claim: "Inside level 2 the orphan's parent is now PID 1: level 2's init adopted it.",
            expect: 1,
          },
          {
            id: 'orphan.reparented-host',
            claim: "Seen from the host its parent is level 2's init too, not the host's init: adoption stays inside the namespace.",
            expect: true,
          },
        ],
      },
      {
        title: 'Let the orphan exit',
        does: 'The orphan exits when its lifetime (1.5 s) is over.',
        facts: [{ id: 'orphan.reaped', claim: "Level 2's init reaps it: it is gone, not left behind as a zombie.", expect: true }],
      },
    ],
    walkthrough: {
      button: 'Make an orphan in level 2',
      commands: "Create Nested PID Namespaces (depth 2), then the helper's orphan operation in level 2 (the orphan lives 8 s).",
      look: "In the tree, `pidns-orphan` appears under level 2's init (not under the process that made it, which is already gone); after 8 s it disappears: its new parent reaped it. In the graph it sits in level 2's card with PPID 1.",
    },
  },
  {
    name: 'signals',
    title: 'Signals to an init: from inside, and from an ancestor',
    question: "How do signals reach a namespace's init?",
    depth: 3,
    steps: [
      { title: 'Build three levels', does: "Level 2's init will be the target.", facts: [] },
      {
        title: "Signal level 2's init from inside level 2",
        does: 'A process inside level 2 sends SIGUSR1, then SIGKILL, to its PID 1; the init has no handler for either.',
        highlight: "SIGKILL from inside level 2 to its PID 1 is dropped: level 2's init lives on",
        facts: [
          {
            id: 'signals.inside-ignored',
            claim:
              "Both are dropped: from inside its namespace a PID 1 gets only signals it handles, so level 2's init and level 3 live on.",
            expect: [true, true],
          },
        ],
      },
      {
        title: "SIGKILL level 2's init from the host",
        does: 'First an orphan is started in level 2 so that the level holds one more process; then the host (an ancestor) sends SIGKILL.',
        highlight: "SIGKILL from the host to level 2's init: levels 2 and 3 die with it, level 1 stays",
        facts: [
          { id: 'signals.ancestor-kills', claim: "From an ancestor SIGKILL always reaches a PID 1: level 2's init dies.", expect: true },
          {
            id: 'signals.namespace-emptied',
            claim: "The kernel then kills everything in level 2: the orphan and level 3's init (and so level 3) are gone.",
            expect: [true, true],
          },
          { id: 'signals.above-lives', claim: 'Level 1 lives on.', expect: true },
        ],
      },
    ],
    walkthrough: {
      button: "Signal level 2's init",
      commands:
        "Create Nested PID Namespaces (depth 3), Send Signal… SIGKILL from inside to level 2's init (it stays), then Kill Init on level 2 (SIGKILL from the helper, an ancestor).",
      look: "After the signal from inside, nothing changes in the tree: level 2's init is still there. After Kill Init, level 2 and level 3 vanish from the tree and from the graph together; level 1 stays.",
    },
  },
  {
    name: 'middle',
    title: "Killing a middle level's init",
    question: 'What happens to the levels below when an init in the middle of a chain dies?',
    depth: 5,
    steps: [
      { title: 'Build five levels', does: 'Level 3 is the middle.', facts: [] },
      {
        title: "SIGKILL level 3's init from the host",
        does: 'The host sends SIGKILL to the init of level 3.',
        highlight: "SIGKILL to level 3's init: levels 3, 4 and 5 die with it, levels 1 and 2 stay",
        facts: [
          {
            id: 'middle.levels-left',
            claim: 'Levels 1 and 2 stay; levels 3, 4 and 5 are gone with every process in them.',
            expect: [1, 2],
          },
          { id: 'middle.reported', claim: 'The chain reports level 3 (and every level below it) as gone.', expect: 3 },
          { id: 'middle.level2-proc', claim: "Level 2's /proc now lists only its init: PID 1.", expect: [1] },
        ],
      },
    ],
    walkthrough: {
      button: "Kill level 3's init",
      commands: 'Create Nested PID Namespaces (depth 5), then Kill Init on level 3.',
      look: 'Levels 3, 4 and 5 leave the tree and the graph at once; levels 1 and 2 stay, and level 2 holds only its init.',
    },
  },
  {
    name: 'unshare-setns',
    title: '`unshare --pid` against `setns`',
    question: 'How do unshare(CLONE_NEWPID) and setns(CLONE_NEWPID) move a process?',
    depth: 1,
    steps: [
      {
        title: '`unshare --pid sh`',
        does: 'unshare(CLONE_NEWPID), then exec sh: the process that called it.',
        highlight: 'This sh called unshare --pid: it stays in its namespace, its children go to the new one',
        facts: [
          {
            id: 'unshare.caller-stays',
            claim: 'The caller stays in its PID namespace: its /proc/PID/ns/pid does not change.',
            expect: true,
          },
          {
            id: 'unshare.pending',
            claim: 'Its pid_for_children names a namespace with no process yet: reading it fails with ENOENT until the first child exists.',
            expect: 'ENOENT',
          },
        ],
      },
      {
        title: 'sh starts its first child',
        does: "The child prints its own PID and its parent's, as it sees them.",
        facts: [
          { id: 'unshare.first-child-pid1', claim: 'The first child is PID 1 of the new namespace.', expect: 1 },
          { id: 'unshare.parent-outside', claim: 'Its parent shows as PID 0: the caller is outside the namespace.', expect: 0 },
          {
            id: 'unshare.children-ns',
            claim: "The caller's pid_for_children now reads as the first child's namespace.",
            expect: true,
          },
        ],
      },
      {
        title: '`nsenter --target <init of level 1> --pid`',
        does: 'setns(CLONE_NEWPID) into an existing namespace (a one-level chain), then fork: nsenter forks by default for --pid.',
        highlight: 'A terminal entered level 1 with setns: its shell joins under the next free PID, not 1',
        facts: [
          {
            id: 'setns.caller-stays',
            claim: "nsenter itself stays in its PID namespace; its pid_for_children is level 1's namespace.",
            expect: [true, true],
          },
          {
            id: 'setns.child-not-pid1',
            claim: 'Its child joins under the next free PID, not 1: the namespace already has its init.',
            expect: true,
          },
          { id: 'setns.parent-outside', claim: "The child's parent shows as PID 0: nsenter is outside.", expect: 0 },
        ],
      },
    ],
    walkthrough: {
      button: 'Open an `unshare --pid` terminal',
      commands:
        'A terminal running `unshare --pid sh` in the host (as you: with `--user --map-root-user` when the window is not root); then Open Terminal in Namespace on a created level, which enters it with setns.',
      look: 'The button opens a terminal whose `sh` called `unshare --pid` and types `sleep 300 &`. In the tree that `sh` stays in the host namespace and shows `children→pid:[…]`: its children go to a namespace it is not in, whose PID 1 is the `sleep`. When that PID 1 has ended, the next command there fails to fork: nothing can join a namespace whose init is gone. The second terminal enters a created level with setns: `echo $$` there prints the next free PID, not 1, and `$PPID` is 0.',
    },
  },
];

export function lessonByName(name: string): Lesson | undefined {
  return LESSONS.find((l) => l.name === name);
}

export function factsOf(lesson: Lesson): Fact[] {
  return lesson.steps.flatMap((s) => s.facts);
}

export interface FactResult {
  id: string;
  observed: Observed;
  ok: boolean;
}

export function sameObserved(a: Observed, b: Observed): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameObserved(x, b[i]));
  }
  return a === b;
}

export function judge(fact: Fact, observed: Observed): FactResult {
  return { id: fact.id, observed, ok: sameObserved(fact.expect, observed) };
}

export function showObserved(v: Observed): string {
  return Array.isArray(v) ? `[${v.map(showObserved).join(', ')}]` : JSON.stringify(v);
}

/** One demo line for a checked fact. */
export function factLine(fact: Fact, r: FactResult, tty = false): string {
  const mark = r.ok ? (tty ? '\x1b[32m✓\x1b[0m' : '✓') : tty ? '\x1b[31m✗\x1b[0m' : '✗';
  const tail = r.ok
    ? `(kernel: ${showObserved(r.observed)})`
    : `(kernel: ${showObserved(r.observed)}, expected ${showObserved(fact.expect)})`;
  return `  ${mark} ${fact.claim} ${tail}`;
}

/** `pidns demo` without a name. */
export function lessonListText(): string {
  const width = Math.max(...LESSONS.map((l) => l.name.length));
  return [
    'Usage: pidns demo <lesson> [--pause MS]',
    '',
    'Guided experiments: each lesson builds what it needs (real PID namespaces), prints what happens with',
    'the PID at every level, checks every claim on the kernel as it goes, and removes everything it made',
    '(also on Ctrl-C). Lessons:',
    '',
    ...LESSONS.map((l) => `  ${l.name.padEnd(width)}  ${l.title.replace(/`/g, '')}`),
    '',
  ].join('\n');
}

/** The walkthrough's markdown for a lesson (media/walkthrough/<name>.md). */
export function walkthroughMarkdown(lesson: Lesson): string {
  const out = [`# ${lesson.title}`, '', `*${lesson.question}*`, ''];
  lesson.steps.forEach((s, i) => {
    out.push(`## ${i + 1}. ${s.title}`, '', s.does, '');
    for (const f of s.facts) out.push(`- ${f.claim}`);
    if (s.facts.length > 0) out.push('');
    if (s.highlight) out.push(`In the graph, outlined while it runs: *${s.highlight}*`, '');
  });
  out.push('## What the button does', '', lesson.walkthrough.commands, '');
  out.push('## Where to look', '', lesson.walkthrough.look, '');
  out.push(
    '---',
    '',
    `Every claim above is checked on the running kernel: \`pidns demo ${lesson.name}\` checks each one as it prints it, and the integration tests run the lesson and require each to hold.`,
    '',
  );
  return out.join('\n');
}
