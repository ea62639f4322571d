"""Conventions every file in app_pages/ keeps, read from the source (no app run):

- numbers and dates written for people go through ``formats()``: no number or date format specs
  in f-strings or format templates (``f"{x:,.0f}"``, ``"{:.1%}"``, ``f"{day:%d %b}"``) and no
  ``.strftime(`` / ``.isoformat(`` for display;
- charts are drawn through ``common.show_chart`` (Vega's locale set), never ``st.altair_chart``;
- every ``st.date_input`` is given the locale's ``format=``;
- table numbers in the browser's language (``NumberColumn`` with ``format="localized"`` or
  ``"percent"``) are built by ``common.amount_column`` / ``common.share_column``, so that the
  format and the step that sets the decimals are chosen in one place.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PAGES = REPO_ROOT / "app_pages"

# Files not yet converted to formats()/show_chart; others are converting them right now.
# Whoever finishes one removes it here: the test then holds the file to the conventions, and
# it fails (strict xfail) as long as a converted file is still listed. Empty this set.
NOT_YET_CONVERTED: set[str] = set()
# The one file allowed to call st.altair_chart: it is where show_chart lives.
CHART_HELPER = "common.py"
# The one file allowed to build "localized"/"percent" NumberColumns: amount_column and
# share_column live there.
COLUMN_HELPER = "common.py"
COLUMN_HELPERS = {"localized": "amount_column", "percent": "share_column"}

# An f-string's format spec that formats a number: grouping, precision or a number type
# (",.0f", ".1%", "+.3g", ",", ".2", "d"); "%" followed by a letter is a date spec ("%d %b %Y").
NUMBER_SPEC = re.compile(r"[+\- ]?0?\d*(?P<group>[,_])?(?P<precision>\.\d+)?(?P<type>[dfFgGeEn%])?")
DATE_SPEC = re.compile(r"%[a-zA-Z]")
# The same in a str.format / Styler.format template: "{:,.0f}", "{:+.1%}", "{:%Y-%m-%d}".
NUMBER_TEMPLATE = re.compile(r"\{[^{}]*:[+\- ]?[,_]?\.?\d*[,_]?[dfFgGeE%]\}")
DATE_TEMPLATE = re.compile(r"\{[^{}]*:%[^{}]*\}")

DISPLAY_DATE_CALLS = {"strftime", "isoformat"}
CHART_CALLS = {"altair_chart", "vega_lite_chart"}
# Allowed ISO dates, two narrow cases (both are for machines, not for people reading a page):
# 1. inside download_button(file_name=...): file names keep ISO dates, which sort;
# 2. in a machine-readable export (CSV, Excel, calendar columns) when the call is ISO 8601
#    (``.isoformat()`` or a numeric "%Y-%m-%d[ %H:%M[:%S]]" pattern) *and* its line says so
#    with a ``# machine-readable`` comment, so a reviewer sees the claim.
MACHINE_READABLE = "# machine-readable"
ISO_PATTERN = re.compile(r"%Y-%m-%d(?:[T ]%H:%M(?::%S)?)?")


@dataclass(frozen=True)
class Problem:
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text}"


def _spec_text(spec: ast.JoinedStr) -> str:
    """A format spec's literal text (nested ``{...}`` parts become ``{}``)."""
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in spec.values)


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring constants (not displayed, so examples in them are fine)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _file_names(tree: ast.Module) -> set[int]:
    """ids of every node inside a ``download_button(file_name=...)`` argument."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) == "download_button":
            for keyword in node.keywords:
                if keyword.arg == "file_name":
                    found.update(id(n) for n in ast.walk(keyword.value))
    return found


def _called(call: ast.Call) -> str | None:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _is_iso(call: ast.Call) -> bool:
    if _called(call) == "isoformat":
        return True
    pattern = call.args[0] if call.args else None
    return (
        isinstance(pattern, ast.Constant)
        and isinstance(pattern.value, str)
        and ISO_PATTERN.fullmatch(pattern.value) is not None
    )


def _number_format(call: ast.Call) -> str | None:
    """The literal ``format=`` a call is given, if any."""
    for keyword in call.keywords:
        if keyword.arg == "format" and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return None


def check_source(source: str, name: str) -> list[Problem]:
    """Every break of the conventions in one page file's ``source``."""
    tree = ast.parse(source)
    lines = source.splitlines()
    docstrings, file_names = _docstrings(tree), _file_names(tree)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = _spec_text(node.format_spec)
            number = NUMBER_SPEC.fullmatch(spec)
            if number and any(number.group(g) for g in ("group", "precision", "type")):
                problems.append(
                    Problem(node.lineno, f"number format spec ':{spec}' in an f-string")
                )
            elif DATE_SPEC.search(spec):
                problems.append(Problem(node.lineno, f"date format spec ':{spec}' in an f-string"))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            for pattern, kind in ((NUMBER_TEMPLATE, "number"), (DATE_TEMPLATE, "date")):
                for match in pattern.finditer(node.value):
                    problems.append(Problem(node.lineno, f"{kind} format template {match[0]!r}"))
        elif isinstance(node, ast.Call):
            called = _called(node)
            if called in DISPLAY_DATE_CALLS and id(node) not in file_names:
                marked = MACHINE_READABLE in lines[node.lineno - 1]
                if not (marked and _is_iso(node)):
                    problems.append(
                        Problem(node.lineno, f".{called}() for display: use formats().date()")
                    )
            elif called in CHART_CALLS and name != CHART_HELPER:
                problems.append(Problem(node.lineno, f"st.{called}: use common.show_chart"))
            elif called == "date_input" and not any(k.arg == "format" for k in node.keywords):
                problems.append(
                    Problem(
                        node.lineno,
                        "st.date_input without format=date_input_format(formats().locale)",
                    )
                )
            elif (
                called == "NumberColumn"
                and (number_format := _number_format(node)) in COLUMN_HELPERS
                and name != COLUMN_HELPER
            ):
                problems.append(
                    Problem(
                        node.lineno,
                        f'NumberColumn(format="{number_format}"): '
                        f"use common.{COLUMN_HELPERS[number_format]}",
                    )
                )
    return sorted(problems, key=lambda p: p.line)


def page_files() -> list[Path]:
    return sorted(p for p in PAGES.glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(
            p,
            id=p.name,
            marks=pytest.mark.xfail(
                strict=True,
                reason=f"not yet converted: once it passes, remove {p.name} from "
                "NOT_YET_CONVERTED in tests/ui/test_page_conventions.py",
            )
            if p.name in NOT_YET_CONVERTED
            else (),
        )
        for p in page_files()
    ],
)
def test_page_writes_numbers_dates_and_charts_through_the_helpers(path: Path):
    problems = check_source(path.read_text(encoding="utf-8"), path.name)
    assert not problems, f"{path.name}:\n" + "\n".join(map(str, problems))


def test_the_allow_list_names_existing_files():
    names = {p.name for p in page_files()}
    assert names >= NOT_YET_CONVERTED, NOT_YET_CONVERTED - names


# --- the checker itself ----------------------------------------------------------------------

BAD = {
    'st.metric("Contacts", f"{total:,.0f}")': "number format spec ':,.0f'",
    'st.caption(f"{share:.0%} of the volume")': "number format spec ':.0%'",
    'st.caption(f"slope {s:+.3g}")': "number format spec ':+.3g'",
    'st.caption(f"{hours:.1f} h")': "number format spec ':.1f'",
    'st.caption(f"week of {day:%d %b %Y}")': "date format spec ':%d %b %Y'",
    'frame.style.format({"wape": "{:.1%}"})': "number format template '{:.1%}'",
    'frame.style.format({"n": "{:+,.0f}"})': "number format template '{:+,.0f}'",
    'frame.style.format({"week": "{:%Y-%m-%d}"})': "date format template '{:%Y-%m-%d}'",
    'st.write(f"before {cutoff.isoformat()}")': ".isoformat() for display",
    'st.write(day.strftime("%d %b"))': ".strftime() for display",
    'st.write(day.strftime("%d %b"))  # machine-readable': ".strftime() for display",
    "st.altair_chart(chart)": "st.altair_chart: use common.show_chart",
    'left.date_input("Since", key="since")': "st.date_input without format=",
    'st.column_config.NumberColumn("Rows", format="localized", step=1)': (
        'NumberColumn(format="localized"): use common.amount_column'
    ),
    'NumberColumn("Occupancy", format="percent", step=0.001)': (
        'NumberColumn(format="percent"): use common.share_column'
    ),
}
GOOD = [
    'st.metric("Contacts", fmt.number(total))',
    'st.caption(f"{fmt.percent(share)} of the volume, {name!r}, {label:>10}, {items[1:]}")',
    'alt.Tooltip("contacts:Q", format=",.0f")',  # Vega's format, in the viewer's locale
    'alt.Axis(format="%d %b")',
    "rows = {'contacts': 1, 'traffic': 2}",
    'st.download_button("CSV", data, file_name=f"audit-{day.isoformat()}.csv")',
    'export["date"] = export["date"].dt.strftime("%Y-%m-%d")  # machine-readable: CSV column',
    "show_chart(chart)",
    'st.date_input("Since", format=date_input_format(fmt.locale))',
    'def f():\n    """Shows ``f"{x:.1f}"`` as an example."""',
    'amount_column("Rows", decimals=0)',
    'share_column("Occupancy", help=HELP_OCCUPANCY)',
    'st.column_config.NumberColumn("Entry", format="plain")',
    'st.column_config.NumberColumn("#", format="%d")',
    'st.column_config.NumberColumn("Row", help="As a spreadsheet numbers it")',
    'st.column_config.DateColumn("From", format="localized")',
]


@pytest.mark.parametrize(("snippet", "expected"), BAD.items(), ids=list(BAD))
def test_the_checker_finds(snippet: str, expected: str):
    problems = check_source(snippet, "some_page.py")
    assert len(problems) == 1 and expected in problems[0].text, problems


@pytest.mark.parametrize("snippet", GOOD)
def test_the_checker_lets_pass(snippet: str):
    assert check_source(snippet, "some_page.py") == []


def test_show_chart_may_call_altair_chart_in_common():
    assert check_source("st.altair_chart(chart)", CHART_HELPER) == []


def test_the_column_helpers_may_build_number_columns_in_common():
    source = (
        'st.column_config.NumberColumn(label, format="localized", step=1)\n'
        'st.column_config.NumberColumn(label, format="percent", step=0.001)'
    )
    assert check_source(source, COLUMN_HELPER) == []
