/** Heap and array buffer bytes in use once `gc()` (a full collection) has run and settled. */
export function settledBytesInUse(gc: () => void): number;
