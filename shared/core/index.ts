// The core's public surface for the extension, the webview and the CLI: pure functions over plain data.
export * from './types';
export { buildModel, nsKey, compareNamespaces, compareProcesses, type ModelInput, type NsNode } from './buildModel';
export { diffSnapshots, applyDiff, isEmptyDiff, processKey, sameValue } from './diff';
export { buildIndex, ancestorsOf, descendantsOf, type ModelIndex } from './modelIndex';
export { isVisibleFrom, pidInNamespace, visibleProcesses, findByPidIn, translatePid } from './translate';
export { parseStatus, parseStat, parseNsLink, type StatusFields, type StatFields } from './procStatus';
export { renderTree, formatNspid, type TreeOptions } from './treeText';
