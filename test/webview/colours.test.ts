// README: the graph uses "only --vscode-* theme colours (light, dark, high contrast)". Checked on the sources
// that can colour it: the stylesheet media/graph.css, and every style the webview's code or HTML writes
// (webview/*.ts, extension/graph/graphHtml.ts). A literal colour (hex, rgb()/hsl()/…, a named colour, or a
// fallback to one inside var()) fails; `transparent`, `currentColor`, `inherit` and `none` are not colours
// a theme could disagree with. Custom properties of our own must be defined here and are checked the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

const NAMED = (
  'aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue blueviolet brown burlywood cadetblue ' +
  'chartreuse chocolate coral cornflowerblue cornsilk crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki ' +
  'darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen darkslateblue darkslategray darkslategrey darkturquoise ' +
  'darkviolet deeppink deepskyblue dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite gold goldenrod ' +
  'gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral ' +
  'lightcyan lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen lightskyblue lightslategray lightslategrey ' +
  'lightsteelblue lightyellow lime limegreen linen magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen ' +
  'mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream mistyrose moccasin navajowhite navy oldlace olive ' +
  'olivedrab orange orangered orchid palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink plum powderblue purple ' +
  'rebeccapurple red rosybrown royalblue saddlebrown salmon sandybrown seagreen seashell sienna silver skyblue slateblue slategray slategrey ' +
  'snow springgreen steelblue tan teal thistle tomato turquoise violet wheat white whitesmoke yellow yellowgreen ' +
  'canvas canvastext linktext visitedtext activetext buttonface buttontext buttonborder field fieldtext highlight highlighttext mark marktext graytext'
).split(' ');
const NAMED_RE = new RegExp(`(?<![-\\w])(${NAMED.join('|')})(?![-\\w])`, 'i');
const FUNCTION_RE = /(?<![-\w])(rgba?|hsla?|hwb|lab|lch|oklab|oklch|color|device-cmyk)\s*\(/i;
const HEX_RE = /#[0-9a-f]{3,8}(?![-\w])/i;

/** What in a CSS value is a literal colour, once the theme's variables are taken out; undefined if nothing. */
export function literalColour(value: string): string | undefined {
  const v = value.replace(/--vscode-[\w-]+/g, '');
  return HEX_RE.exec(v)?.[0] ?? FUNCTION_RE.exec(v)?.[0] ?? NAMED_RE.exec(v)?.[0];
}

function declarations(css: string): Array<{ prop: string; value: string; line: number }> {
  const text = css.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
  const out: Array<{ prop: string; value: string; line: number }> = [];
  for (const m of text.matchAll(/([-\w]+)\s*:\s*([^;{}]+)[;}]/g)) {
    out.push({ prop: m[1], value: m[2].trim(), line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

test('the checker itself: literal colours are found, theme variables and non-colours pass', () => {
  for (const bad of [
    '#f33',
    '#00ff0080',
    'rgb(1, 2, 3)',
    'hsl(0 0% 50%)',
    '1px solid red',
    'var(--vscode-foreground, white)',
    'color-mix(in srgb, Canvas 50%, transparent)',
    'oklch(0.5 0.1 20)',
  ]) {
    assert.ok(literalColour(bad), `${bad} is a literal colour`);
  }
  for (const good of [
    'var(--vscode-foreground)',
    '1px solid var(--vscode-panel-border, var(--vscode-contrastBorder, transparent))',
    'none',
    'currentColor',
    'nowrap',
    'translate(1px, 2px)',
    'var(--vscode-editorIndentGuide-activeBackground1, var(--vscode-descriptionForeground))',
    '0 1px 4px var(--vscode-widget-shadow, transparent)',
  ]) {
    assert.equal(literalColour(good), undefined, `${good} has no literal colour`);
  }
});

test('media/graph.css: every colour comes from a --vscode-* variable', () => {
  const css = readFileSync(join(ROOT, 'media', 'graph.css'), 'utf8');
  const decls = declarations(css);
  assert.ok(decls.length > 50, `parsed ${decls.length} declarations`);
  const bad = decls.filter((d) => literalColour(d.value) !== undefined).map((d) => `graph.css:${d.line} ${d.prop}: ${d.value}`);
  assert.deepEqual(bad, []);
  // Our own custom properties are sizes or come from the theme; a var() of one we never define would fall back to nothing.
  const defined = new Set(decls.filter((d) => d.prop.startsWith('--')).map((d) => d.prop));
  const used = [...css.matchAll(/var\(\s*(--[\w-]+)/g)].map((m) => m[1]).filter((v) => !v.startsWith('--vscode-'));
  assert.deepEqual(
    used.filter((v) => !defined.has(v) && v !== '--cols'),
    [],
    'every non-theme variable is defined in graph.css (--cols is set per card by cards.ts)',
  );
});

test('the webview code and its HTML write no colour: no literal colour and no colour property set from code', () => {
  const files = [
    ...readdirSync(join(ROOT, 'webview'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join('webview', f)),
    join('extension', 'graph', 'graphHtml.ts'),
  ];
  const bad: string[] = [];
  for (const file of files) {
    const src = readFileSync(join(ROOT, file), 'utf8');
    // String and template literals only: identifiers such as `red` in code are not styles.
    for (const m of src.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)) {
      const lit = m[0].slice(1, -1);
      const line = src.slice(0, m.index).split('\n').length;
      if (HEX_RE.test(lit) || FUNCTION_RE.test(lit)) bad.push(`${file}:${line} ${m[0]}`);
      if (/style\s*=|(?:^|[;\s])(color|background|fill|stroke|border(-[a-z]+)?|outline)\s*:/i.test(lit))
        bad.push(`${file}:${line} inline style ${m[0]}`);
    }
    for (const m of src.matchAll(
      /\.style\.(color|background\w*|border\w*|fill|stroke|outline\w*|boxShadow)\s*=|setProperty\(\s*['"`](color|background[-\w]*|border[-\w]*|fill|stroke|outline[-\w]*|--vscode-[-\w]*)['"`]|\.attr\(\s*['"`](fill|stroke|color|style)['"`]|\.style\(\s*['"`][-\w]*['"`]/g,
    )) {
      bad.push(`${file}:${src.slice(0, m.index).split('\n').length} sets a style from code: ${m[0]}`);
    }
  }
  assert.deepEqual(bad, []);
});
