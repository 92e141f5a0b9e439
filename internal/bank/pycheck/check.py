"""Run reference solutions of coding questions against their tests.

Reads a JSON list of {"id", "solution", "tests": [{"call", "expect"|"raises"}]} on stdin and
writes a JSON list of {"id", "failures": [str]} on stdout, one entry per question, in order.
Each solution runs in a fresh namespace; a question that runs too long fails.
"""

import builtins
import importlib
import json
import signal
import sys
import traceback


class Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise Timeout("took longer than the time limit")


def resolve(name, ns):
    """Find the exception class a test names, in the solution's namespace or its module."""
    head, _, rest = name.partition(".")
    obj = ns.get(head, getattr(builtins, head, None))
    if obj is None and rest:
        obj = importlib.import_module(head)
    for part in rest.split(".") if rest else []:
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, BaseException)):
        raise TypeError(f"{name} is not an exception class")
    return obj


def error_of(fn):
    """Call fn and return "ExceptionName: message" for what it raised, or None."""
    try:
        fn()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def check(question, seconds):
    failures = []
    ns = {"__name__": "solution_" + question["id"].replace("-", "_"), "error_of": error_of}
    signal.alarm(seconds)
    try:
        exec(compile(question["solution"], question["id"] + ".py", "exec"), ns)
        for i, test in enumerate(question["tests"]):
            where = f"test {i + 1} ({test['call']})"
            try:
                got = eval(test["call"], ns)
            except Timeout:
                raise
            except BaseException as exc:  # a test may expect any exception
                if "raises" not in test:
                    failures.append(f"{where}: raised {type(exc).__name__}: {exc}")
                    continue
                want = resolve(test["raises"], ns)
                if not isinstance(exc, want):
                    failures.append(f"{where}: raised {type(exc).__name__}, want {test['raises']}")
                continue
            if "raises" in test:
                failures.append(f"{where}: returned {got!r}, want it to raise {test['raises']}")
                continue
            want = eval(test["expect"], ns)
            if got != want or type(got) is not type(want) and not (
                    isinstance(got, (int, float)) and isinstance(want, (int, float))):
                failures.append(f"{where}: got {got!r}, want {want!r}")
    except Timeout as exc:
        failures.append(str(exc))
    except BaseException:
        failures.append("solution does not run: " + traceback.format_exc(limit=2).strip().splitlines()[-1])
    finally:
        signal.alarm(0)
    return failures


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    signal.signal(signal.SIGALRM, _alarm)
    questions = json.load(sys.stdin)
    out = [{"id": q["id"], "failures": check(q, seconds)} for q in questions]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
