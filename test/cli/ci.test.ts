import test from "ava";
import { isCi } from "../../cli/ci";

const ci = test.macro((t, value: string | undefined, expected: boolean) => {
    t.is(isCi(value === undefined ? {} : { CI: value }), expected);
});

test("CI unset is not CI", ci, undefined, false);
test("CI empty is not CI", ci, "", false);
test("CI=false is not CI", ci, "false", false);
test("CI=FALSE is not CI", ci, "FALSE", false);
test("CI=true is CI", ci, "true", true);
test("CI=1 is CI", ci, "1", true);
