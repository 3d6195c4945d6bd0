// Reading Vitest's JSON report (reporter "json", Jest-compatible shape).

/**
 * Count the results. A test file that failed as a whole (import error, failing hook outside a
 * test) without any failed test in it counts as one failure, so a broken file can never pass.
 * @returns {{ passed: number, failed: number, skipped: number, brokenFiles: string[], line: string }}
 */
export function summarizeReport(report) {
  const passed = report.numPassedTests ?? 0;
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  const brokenFiles = (report.testResults ?? [])
    .filter((file) => file.status === 'failed' && !(file.assertionResults ?? []).some((t) => t.status === 'failed'))
    .map((file) => file.name);
  const failed = (report.numFailedTests ?? 0) + brokenFiles.length;
  const line = `tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  return { passed, failed, skipped, brokenFiles, line };
}
