"""decide tables in every dialect decide reads (``;``, tab, ``,``; quoted or not) import alike.

The fixtures in tests/data/decide hold one table written in each dialect (see its README); each
must give the scenario of the semicolon original, and errors must stay located at
``file:line:column`` in every dialect.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from melian.cli import app
from melian.errors import InputError
from melian.scenario.decide_dialect import DecideDialect, sniff_dialect, split_cells
from melian.scenario.importers import from_decide
from melian.scenario.loader import to_data

DECIDE = Path(__file__).parent.parent / "data" / "decide"
DIALECTS = {
    "dialogue.csv": (";", None),
    "dialogue-decide.txt": ("\t", "'"),
    "dialogue-tab.tsv": ("\t", None),
    "dialogue-comma.csv": (",", '"'),
    "dialogue-semicolon-quoted.csv": (";", "'"),
}


def _content(path: Path) -> dict:
    """The imported scenario without what names the file (metadata, sources)."""
    data = to_data(from_decide(path))
    for key in ("metadata", "sources"):
        data.pop(key)
    return data


@pytest.mark.parametrize("name", sorted(DIALECTS))
def test_sniffed_dialect(name: str) -> None:
    lines = (DECIDE / name).read_text(encoding="utf-8").splitlines()
    d = sniff_dialect(lines)
    assert (d.separator, d.quote) == DIALECTS[name]


@pytest.mark.parametrize("name", sorted(set(DIALECTS) - {"dialogue.csv"}))
def test_every_dialect_gives_the_same_scenario(name: str) -> None:
    assert _content(DECIDE / name) == _content(DECIDE / "dialogue.csv")


def test_description_line_and_quoted_separators() -> None:
    s = from_decide(DECIDE / "dialogue-comma.csv")
    assert s.metadata.description == "Two issues, three parties"  # the comma stays in the cell
    assert from_decide(DECIDE / "dialogue-decide.txt").metadata.description == (
        "Two issues, three parties"
    )
    assert [a.name for a in s.actors] == ["Government", "Opposition", "Ally Party"]


def test_split_cells_quotes_and_columns() -> None:
    d = DecideDialect("\t", "'")
    cells = split_cells("'#A'\t'o''neill'\t'Name, with comma'\t''\t", d)
    assert [(c.text, c.column) for c in cells] == [
        ("#A", 1),
        ("o'neill", 6),
        ("Name, with comma", 17),
    ]
    d = DecideDialect(",", '"')
    assert [c.text for c in split_cells('#D, "a" ,b,1.5,,', d)] == ["#D", "a", "b", "1.5"]


def test_no_record_line_falls_back_to_semicolons() -> None:
    assert sniff_dialect(["", "#/ only a comment"]) == DecideDialect(";", None, None)


DECIDE_HEAD = "'#A'\t'gov'\t'Government'\n'#P'\t'budget'\t'Budget cut'\n"


@pytest.mark.parametrize(
    ("body", "line", "col", "fragment"),
    [
        # '#D' 1-4, tab 5, 'gov' 6-10, tab 11, 'budget' 12-19, tab 20, 'eighty' from 21
        ("'#D'\t'gov'\t'budget'\t'eighty'\t60\t3\n", 3, 21, "expected a number, got 'eighty'"),
        ("'#D'\t'gov'\t'budget'\t80\t60\t-1\n", 3, 27, "power must be positive"),
        ("'#D'\t'ghost'\t'budget'\t80\t60\n", 3, 6, "unknown actor 'ghost'"),
        # 'x<TAB>' closes at column 9, so X (column 10) follows a closed cell
        ("'#A'\t'x\t'X'\n'#D'\t'gov'\t'budget'\t8\t6\n", 3, 10, "text after the closing '"),
        ("'#A'\t'x\n'#D'\t'gov'\t'budget'\t8\t6\n", 3, 6, "is not closed"),
        (
            "#D;gov;budget;80;60\n",
            3,
            1,
            "semicolon-separated but the table is tab-separated, cells quoted with ' "
            "(sniffed from line 1)",
        ),
        ("'#Q'\t'gov'\n'#D'\t'gov'\t'budget'\t8\t6\n", 3, 1, "unknown line type '#Q'"),
    ],
)
def test_errors_are_located_in_decide_dialect(
    tmp_path: Path, body: str, line: int, col: int, fragment: str
) -> None:
    f = tmp_path / "bad.txt"
    f.write_text(DECIDE_HEAD + body, encoding="utf-8")
    with pytest.raises(InputError) as exc:
        from_decide(f)
    p = exc.value.problems[0]
    assert (p.file, p.line, p.column) == (str(f), line, col), p
    assert fragment in p.message


def test_cli_imports_decide_own_file(tmp_path: Path) -> None:
    out = tmp_path / "d.yaml"
    res = CliRunner().invoke(
        app, ["import", "decide", str(DECIDE / "dialogue-decide.txt"), "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    res = CliRunner().invoke(app, ["scenarios", "validate", str(out)])
    assert res.exit_code == 0, res.output
