// The W3C WebVTT reference parser ships no types: the part the tests use.
declare module 'webvtt-parser' {
  export interface WebVTTCue {
    readonly startTime: number;
    readonly endTime: number;
    readonly text: string;
  }
  export interface WebVTTParseResult {
    readonly cues: readonly WebVTTCue[];
    readonly errors: ReadonlyArray<{ readonly message: string; readonly line: number; readonly col: number }>;
  }
  export class WebVTTParser {
    parse(input: string, mode?: 'metadata' | 'chapters'): WebVTTParseResult;
  }
  const parser: { WebVTTParser: typeof WebVTTParser };
  export default parser;
}
