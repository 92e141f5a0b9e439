const e=self.location.origin;let t=null,n=null,r=[],i=0,a=32768,o=!1;function s(e){let t=Math.min(e.length,Math.max(0,a-i));return t>0&&(r.push(e.slice(0,t)),i+=t),t<e.length&&(o=!0),e.length}function c(){let e=new Uint8Array(i),t=0;for(let n of r)e.set(n,t),t+=n.length;let n=new TextDecoder().decode(e);return o&&n.endsWith(`�`)&&(n=n.slice(0,-1)),n}function l(e){let t=String(e||``).split(`
`),n=t.findIndex(e=>e.startsWith(`  File "<exec>"`));return n<0?t.join(`
`):[`Traceback (most recent call last):`,...t.slice(n)].join(`
`)}function u(){for(let e of[`fetch`,`XMLHttpRequest`,`WebSocket`,`EventSource`,`importScripts`,`indexedDB`,`caches`,`BroadcastChannel`,`navigator`,`Worker`,`SharedWorker`])try{Object.defineProperty(self,e,{value:void 0,configurable:!1,writable:!1})}catch{}}async function d(){try{let{loadPyodide:r}=await import(
/* @vite-ignore */
`/pyodide/pyodide.mjs`);t=await r({indexURL:`${e}/pyodide/`}),t.setStdout({write:s}),t.setStderr({write:s}),t.setStdin({stdin:()=>``});let i=t.globals.get(`dict`)();i.set(`__name__`,`harness`),t.runPython(`"""The test harness of coding questions, one file for both places tests run.

The room's Python worker (pyworker.js, in Pyodide) loads this file as text, runs the editor's code
in a namespace from new_namespace, then calls run_setup and run_tests; the bank's solution check (\`mockroom bank
check-solutions\`, with python3) runs it as a program that checks every reference solution. Both
judge a test the same way because both run this code.

A test is a dict of one of three forms:
  {"call": expr, "expect": expr}  passes when the value of call equals the value of expect, of the
                                  same type (an int and a float of equal value count as equal);
  {"call": expr, "raises": name}  passes when call raises the exception class name (a builtin, a
                                  name in the namespace, or module.Name);
  {"input": src, "output": text}  a question's example: passes when the repr of the value of src
                                  equals text, ignoring whitespace at either end.
call and input may be statements ending in an expression; the expression's value is the one
checked. Tests with a call run in order in the namespace the code ran in, so a test may use what an
earlier one assigned (as the bank's tests do); each example runs in its own shallow copy of it. An
example whose output is the "ExceptionName: message" the input raises passes too, and so does one
whose output is "raises Name" when the input raises an exception of the class Name. A result is a
dict {name, passed, expected, actual, error}.

As a program it reads a JSON list of {"id", "solution", "setup", "examples", "tests"} on stdin and writes a
JSON list of {"id", "failures": [str]} on stdout, one entry per question, in order; argv[1] is the
time limit of one question in seconds.
"""

import ast
import builtins
import contextlib
import importlib
import io
import json
import sys
import traceback


class Timeout(BaseException):
    """Raised by the program's alarm when a question runs past its time limit."""


def error_of(fn):
    """Call fn and return "ExceptionName: message" for what it raised, or None. Tests use it."""
    try:
        fn()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def new_namespace(name="__main__"):
    """The globals code runs in: empty but for the helpers tests may call."""
    return {"__name__": name, "error_of": error_of}


def run_setup(setup, ns):
    """Run a question's test setup (imports, helpers) in ns, after the code under test and
    before its tests, so the helpers may use what the code defines."""
    if setup:
        exec(compile(setup, "<test setup>", "exec"), ns)


def _value(src, ns, filename):
    """Run src in ns and return the value of its last statement, an expression (None if not)."""
    tree = ast.parse(src, filename, "exec")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = tree.body.pop()
    exec(compile(tree, filename, "exec"), ns)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), filename, "eval"), ns)


def _resolve(name, ns):
    """Find the exception class a test names, in the namespace, the builtins or its module."""
    head, _, rest = name.partition(".")
    obj = ns.get(head, getattr(builtins, head, None))
    if obj is None and rest:
        obj = importlib.import_module(head)
    for part in rest.split(".") if rest else []:
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, BaseException)):
        raise TypeError(f"{name} is not an exception class")
    return obj


def _same(got, want):
    if got != want:
        return False
    numbers = (int, float)
    return type(got) is type(want) or isinstance(got, numbers) and isinstance(want, numbers)


def _raised(exc):
    return f"{type(exc).__name__}: {exc}"


def _raises_expected(exc, expected, ns):
    """Whether what an example raised is its expected output: "ExceptionName: message" exactly,
    or "raises Name" for any exception of the class Name (resolved as a test's raises is)."""
    if _raised(exc).strip() == expected:
        return True
    if not expected.startswith("raises "):
        return False
    try:
        want = _resolve(expected[len("raises "):].strip(), ns)
    except Exception:
        return False
    return isinstance(exc, want)


def run_test(test, ns, name):
    """Run one test against the code that ran in ns and return its result."""
    result = {"name": name, "passed": False, "expected": "", "actual": "", "error": ""}
    if "input" in test:
        result["expected"] = str(test["output"]).strip()
        try:
            result["actual"] = repr(_value(test["input"], dict(ns), "<example>"))
        except Timeout:
            raise
        except BaseException as exc:  # what the code raises is the test's result
            result["error"] = _raised(exc)
            result["passed"] = _raises_expected(exc, result["expected"], ns)
            return result
        result["passed"] = result["actual"].strip() == result["expected"]
        return result
    if "raises" in test:
        result["expected"] = f"raises {test['raises']}"
    env = ns
    try:
        got = _value(test["call"], env, "<test>")
    except Timeout:
        raise
    except BaseException as exc:
        if "raises" not in test:
            result["error"] = _raised(exc)
            return result
        try:
            want = _resolve(test["raises"], env)
        except Exception as bad:
            result["error"] = f"the test names no exception class: {_raised(bad)}"
            return result
        result["actual"] = f"raised {type(exc).__name__}"
        result["passed"] = isinstance(exc, want)
        if not result["passed"]:
            result["error"] = _raised(exc)
        return result
    result["actual"] = repr(got)
    if "raises" in test:
        return result
    try:
        want = eval(compile(test["expect"], "<expected>", "eval"), env)
    except Exception as bad:
        result["error"] = f"the expected value does not evaluate: {_raised(bad)}"
        return result
    result["expected"] = repr(want)
    result["passed"] = _same(got, want)
    return result


def run_tests(tests, ns, prefix="test"):
    """Run every test against the code that ran in ns; the results are named prefix 1, 2, ..."""
    return [run_test(t, ns, f"{prefix} {i + 1}") for i, t in enumerate(tests)]


def failures_of(results, tests):
    """Say in a line each which tests failed, naming the test's code, for the bank's check."""
    out = []
    for r, t in zip(results, tests):
        if r["passed"]:
            continue
        where = f"{r['name']} ({t.get('call', t.get('input'))})"
        if "raises" in t and r["error"]:
            out.append(f"{where}: {r['error']}, want it to raise {t['raises']}")
        elif "raises" in t:
            out.append(f"{where}: returned {r['actual']}, want it to raise {t['raises']}")
        elif r["error"]:
            out.append(f"{where}: raised {r['error']}")
        else:
            out.append(f"{where}: got {r['actual']}, want {r['expected']}")
    return out


def _last_line():
    return traceback.format_exc(limit=2).strip().splitlines()[-1]


def _run_code(question, ns):
    """Run a question's reference solution, then its setup, in ns; return a failure or None."""
    try:
        exec(compile(question["solution"], question["id"] + ".py", "exec"), ns)
    except Timeout:
        raise
    except BaseException:
        return "solution does not run: " + _last_line()
    try:
        run_setup(question.get("setup", ""), ns)
    except Timeout:
        raise
    except BaseException:
        return "test setup does not run: " + _last_line()
    return None


def check(question, seconds):
    """Run one question's reference solution against its examples, then against its tests, under
    a time limit of seconds. As in a room, where "Run tests" and "Run hidden tests" are separate
    runs, the examples and the tests each start from a fresh run of the solution and the setup."""
    import signal

    name = "solution_" + question["id"].replace("-", "_")
    out = []
    signal.alarm(seconds)
    try:
        for tests, prefix in ((question.get("examples") or [], "example"), (question["tests"], "test")):
            if not tests:
                continue
            ns = new_namespace(name)
            failed = _run_code(question, ns)
            if failed:
                return [failed]
            out += failures_of(run_tests(tests, ns, prefix), tests)
        return out
    except Timeout:
        return out + ["took longer than the time limit"]
    finally:
        signal.alarm(0)


def main():
    import signal

    def alarm(signum, frame):
        raise Timeout()

    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    signal.signal(signal.SIGALRM, alarm)
    questions = json.load(sys.stdin)
    out = []
    for q in questions:
        # What the code prints is not the answer: keep it out of the JSON on stdout.
        with contextlib.redirect_stdout(io.StringIO()):
            out.append({"id": q["id"], "failures": check(q, seconds)})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
`,{globals:i,filename:`harness.py`}),n={newNamespace:i.get(`new_namespace`),runSetup:i.get(`run_setup`),runTests:i.get(`run_tests`)},u(),self.postMessage({type:`ready`})}catch(e){self.postMessage({type:`failed`,message:String(e?.message||e)})}}self.onmessage=e=>{let u=e.data||{};if(u.type!==`run`||!t)return;r=[],i=0,o=!1,a=u.cap||a;let d=`ok`,f=n.newNamespace(),p=Array.isArray(u.tests),m;try{if(t.runPython(u.code,{globals:f,filename:`<exec>`}),p){n.runSetup(String(u.setup||``),f);let e=t.toPy(u.tests),r=n.runTests(e,f,String(u.prefix||`test`));e.destroy(),m=r.toJs({dict_converter:Object.fromEntries}).map(e=>{let t={name:String(e.name),passed:!!e.passed,expected:String(e.expected),actual:String(e.actual)};return e.error&&(t.error=String(e.error)),t}),r.destroy()}}catch(e){d=`error`,s(new TextEncoder().encode((i>0&&!c().endsWith(`
`)?`
`:``)+l(e?.message||e)))}finally{f.destroy()}self.postMessage({type:`done`,id:u.id,status:d,output:c(),truncated:o,tests:m})},d();