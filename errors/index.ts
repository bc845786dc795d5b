export { CodedError, type CodedErrorOptions } from "./coded-error";
export { type CodedFields, codedLine, type CodedReport, forEngine, parseCodedErrors, valueText } from "./engine-text";
export { ERROR_CODES, type ErrorCode, hintFor, HINTS, isErrorCode } from "./hints";
export { codedViews, type CodedView, failureLines, formatCoded, formatCodedHeadline } from "./format";
