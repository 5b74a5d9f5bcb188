// Lines the suite logs so that the driver (run-ext-host.ts) can tell the suite's output
// from the workbench's own console, and read the counts.
export const START_MARKER = 'BERTH_E2E_START';
export const RESULT_MARKER = 'BERTH_E2E_RESULT';
