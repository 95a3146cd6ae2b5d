// Every property run is bounded in time, shrinking included: a failure that shrinks slowly
// must fail CI in a minute, not hold it for half an hour.
// fast-check's own module, which @fast-check/vitest re-exports (one instance, so one global
// configuration): importing @fast-check/vitest costs some 3 s of CPU a test file (its `test`
// wrapper walks every chain of vitest 4.1's test modifiers when loaded), and this file runs
// before every test file; only the property tests import it.
import fc from "fast-check";

fc.configureGlobal({ interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true });
