"""Count what every pytest run of `make test` reported in its JUnit XML, and fail on any skipped test.

A skip on a fresh machine is a missing install step, so CI treats it as a failure. Usage:
    python3 .ci/junit_summary.py FOLDER NAME...    (each NAME.xml must be in FOLDER)
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def main(folder: Path, names: list[str]) -> int:
    problems: list[str] = []
    totals = {key: 0 for key in ("passed", "failures", "errors", "skipped")}
    for name in names:
        report = folder / f"{name}.xml"
        if not report.is_file():
            problems.append(f"{report} is missing: that pytest run did not happen or did not finish")
            continue
        suites = ET.parse(report).getroot().iter("testsuite")
        counts = {key: 0 for key in ("tests", "failures", "errors", "skipped")}
        skipped: list[str] = []
        for suite in suites:
            for key in counts:
                counts[key] += int(suite.get(key, "0"))
            for case in suite.iter("testcase"):
                reason = case.find("skipped")
                if reason is not None:
                    skipped.append(f"{case.get('classname')}::{case.get('name')}: {reason.get('message', '')}")
        passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
        for key, value in (("passed", passed), ("failures", counts["failures"]), ("errors", counts["errors"]),
                           ("skipped", counts["skipped"])):
            totals[key] += value
        print(f"junit {name}: {passed} passed, {counts['failures']} failed, {counts['errors']} errors, "
              f"{counts['skipped']} skipped ({counts['tests']} tests)")
        for line in skipped:
            print(f"  skipped: {line}")
        if counts["tests"] == 0:
            problems.append(f"{report}: no test ran")
    print(f"junit all runs: {totals['passed']} passed, {totals['failures']} failed, {totals['errors']} errors, "
          f"{totals['skipped']} skipped")
    if totals["skipped"]:
        problems.append(f"{totals['skipped']} skipped test(s): a test whose dependency is missing must fail, and "
                        "`make test` must install that dependency")
    for problem in problems:
        print(f"junit_summary: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1]), sys.argv[2:]))
