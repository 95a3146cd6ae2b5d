// Every property run is bounded in time, shrinking included: a failure that shrinks slowly
// must fail CI in a minute, not hold it for half an hour.
import { fc } from "@fast-check/vitest";

fc.configureGlobal({ interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true });
