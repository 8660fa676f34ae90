/** Types of the extractors in launch-targets.mjs (imported by the launch tests). */
export function dataclassFields(source: string, className: string): string[];
export function yamlPaths(doc: unknown, prefix?: string): string[];
