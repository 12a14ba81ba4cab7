"""Markdown on hostile input: the worst render time of `blog.markdown.render_markdown`.

    uv run --frozen python bench/markdown_pathological.py            # after (markdown-it-py)
    uv run --frozen python bench/markdown_pathological.py --before   # also python-markdown

Renders commonmark.js's pathological cases (test/pathological_tests.py) and adversarial
bodies of the largest size a post may have (200,000 characters, `MAX_BODY_LENGTH`),
each at half and at full size: a linear renderer takes about twice as long for twice the
input. The target is under 0.5 s per case on the 2-core test machine. Every render runs in
a child process under a CPU limit (`--timeout`, default 10 s), so a quadratic renderer
shows up as "> 10 s" instead of running for hours. Times are CPU seconds of the rendering
process (the machine is shared). Not a test: numbers depend on the machine, so they are
printed, not asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

LIMIT = 200_000
TARGET_SECONDS = 0.5


def _repeat(unit: str, tail: str = "") -> Callable[[int], str]:
    return lambda size: unit * ((size - len(tail)) // len(unit)) + tail


def _nested(open_: str, middle: str, close: str) -> Callable[[int], str]:
    return lambda size: (
        open_ * (n := (size - len(middle)) // (len(open_) + len(close))) + (middle + close * n)
    )


def _lines(make_line: Callable[[int], str]) -> Callable[[int], str]:
    def build(size: int) -> str:
        out, total, i = [], 0, 0
        while total < size:
            line = make_line(i)
            out.append(line)
            total += len(line)
            i += 1
        return "".join(out)[:size]

    return build


# name -> body of (about) `size` characters
CASES: dict[str, Callable[[int], str]] = {
    # commonmark.js test/pathological_tests.py
    "nested strong emph": _nested("*a **a ", "b", " a** a*"),
    "many emph closers with no openers": _repeat("a_ "),
    "many emph openers with no closers": _repeat("_a "),
    "many link closers with no openers": _repeat("a]"),
    "many link openers with no closers": _repeat("[a"),
    "mismatched openers and closers": _repeat("*a_ "),
    "openers and closers multiple of 3": lambda n: "a**b" + _repeat("c* ")(n - 4),
    "link openers and emph closers": _repeat("[ a_"),
    "pattern [ (]( repeated": _repeat("[ (]("),
    "nested brackets": _nested("[", "a", "]"),
    "nested block quotes": lambda n: "> " * ((n - 1) // 2) + "a",
    "deeply nested lists": _lines(lambda i: "  " * min(i, 300) + "* a\n"),
    "U+0000 in input": _repeat("abc\u0000de\u0000"),
    "backticks": _lines(lambda i: "e" + "`" * (i % 2000 + 1)),
    "unclosed links A": _repeat("[a](<b"),
    "unclosed links B": _repeat("[a](b"),
    "unclosed <!--": lambda n: "</" + _repeat("<!--")(n - 2),
    "reference link definitions": _lines(lambda i: f"[a{i}]: /u\n"),
    "many references used": lambda n: "[a]: /u\n\n" + _repeat("[a] ")(n - 10),
    "emph with many delimiters": _repeat("**_a_**"),
    # single characters and near neighbours, at the body limit
    '"[" * n': _repeat("["),
    '"]" * n': _repeat("]"),
    '"*" * n': _repeat("*"),
    '"_" * n': _repeat("_"),
    '"`" * n': _repeat("`"),
    '"<" * n': _repeat("<"),
    '"!" then "[" * n': lambda n: "!" + "[" * (n - 1),
    '"![" * n': _repeat("!["),
    '"[](" * n': _repeat("[]("),
    '"<a " * n': _repeat("<a "),
    '"&#" * n': _repeat("&#"),
    "nested inline links": _nested("[", "x", "](/u)"),
    "nested images": _nested("![", "x", "](/u)"),
    "autolinks unclosed": _repeat("<http://a"),
    "raw html unclosed attributes": _repeat('<a href="'),
    # block structure and the plugins we enable
    "many same headings": _repeat("# a\n"),
    "many distinct headings": _lines(lambda i: f"## h{i}\n"),
    "table, many rows": lambda n: "| a | b |\n|---|---|\n" + _repeat("| x | y |\n")(n - 20),
    "table, many columns": lambda n: _repeat("|a")(n // 2) + "\n" + _repeat("|-")(n // 2),
    "pipes without table": _repeat("|"),
    "footnote refs unresolved": _repeat("[^a]"),
    "footnote openers": _repeat("[^"),
    "footnotes defined and used": lambda n: _lines(lambda i: f"x[^{i}]\n\n[^{i}]: n\n")(n),
    "definition lists": _repeat("t\n: d\n"),
    "definition colons": _repeat(": "),
    "fenced code, unknown language": lambda n: "```zzz\n" + _repeat("x ")(n - 7),
    "fenced code, python (size-capped)": lambda n: "```python\n" + _repeat("'''\"\"\"# (")(n),
    "many small python fences": _repeat("```python\nx = '''a'''\n```\n"),
    "strikethrough": _repeat("~~a"),
    "tildes": _repeat("~"),
    "list markers": _repeat("- "),
    "ordered list markers": _repeat("1. "),
    "setext underlines": _repeat("a\n=\n"),
    "emphasis in table cells": lambda n: "|a|\n|-|\n" + _repeat("|*a _b [c|\n")(n - 8),
}


def _render_after(source: str) -> None:
    import django

    django.setup()
    from blog.markdown import render_markdown

    render_markdown(source)


def _render_before(source: str) -> None:
    """The pipeline Broadsheet used before: python-markdown with `extra`, then nh3."""
    import markdown
    import nh3

    nh3.clean(markdown.markdown(source, extensions=["extra", "sane_lists", "toc"]))


def _child(
    render: Callable[[str], None], name: str, size: int, timeout: float, queue: mp.Queue
) -> None:
    source = CASES[name](size)[:LIMIT]
    render("warm up *the* parser")
    start = time.process_time()
    # The kernel stops the child after `timeout` CPU seconds of rendering (SIGXCPU).
    resource.setrlimit(resource.RLIMIT_CPU, (int(start + timeout) + 1, int(start + timeout) + 2))
    try:
        render(source)
    except Exception as error:  # python-markdown raises RecursionError on deep nesting
        queue.put(type(error).__name__)
        return
    queue.put(time.process_time() - start)


def measure(
    render: Callable[[str], None], name: str, size: int, timeout: float
) -> float | str | None:
    """CPU seconds to render one case in a fresh process, None past `timeout`, or the
    name of the exception the renderer raised.

    CPU time, not wall time: the machine is shared, and other processes' load would
    otherwise be counted as the renderer's. The limit is the kernel's CPU limit too.
    """
    queue: mp.Queue = mp.Queue()
    process = mp.Process(target=_child, args=(render, name, size, timeout, queue))
    process.start()
    process.join()
    return queue.get() if process.exitcode == 0 and not queue.empty() else None


def _fmt(seconds: float | str | None, timeout: float) -> str:
    if isinstance(seconds, str):
        return f"error: {seconds}"
    return f"> {timeout:.0f} s" if seconds is None or seconds > timeout else f"{seconds:.3f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", action="store_true", help="also time python-markdown")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--only", help="run only cases whose name contains this")
    args = parser.parse_args()
    names = [n for n in CASES if not args.only or args.only in n]
    renderers = [("markdown-it-py", _render_after)]
    if args.before:
        renderers.insert(0, ("python-markdown", _render_before))
    worst: dict[str, tuple[float, str]] = {}
    header = f"{'case':40} " + " ".join(
        f"{label + ' ' + str(s // 1000) + 'k':>24}"
        for label, _ in renderers
        for s in (LIMIT // 2, LIMIT)
    )
    print(header)
    for name in names:
        cells = []
        for label, render in renderers:
            for size in (LIMIT // 2, LIMIT):
                seconds = measure(render, name, size, args.timeout)
                cells.append(f"{_fmt(seconds, args.timeout):>24}")
                value = seconds if isinstance(seconds, float) else float("inf")
                if value > worst.get(label, (-1.0, ""))[0]:
                    worst[label] = (value, name)
        print(f"{name[:40]:40} " + " ".join(cells), flush=True)
    print()
    for label, (seconds, name) in worst.items():
        shown = _fmt(None if seconds == float("inf") else seconds, args.timeout)
        print(f"worst {label}: {shown} ({name})")
    after = worst["markdown-it-py"][0]
    print(f"target < {TARGET_SECONDS} s per case: {'met' if after < TARGET_SECONDS else 'MISSED'}")
    return 0 if after < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
