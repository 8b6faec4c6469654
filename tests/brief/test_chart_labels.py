"""Long option names under a bar chart are wrapped to the room each has, not run together."""

from __future__ import annotations

from melian.brief import charts


def test_bar_labels_wrap_to_their_room(monkeypatch):
    seen = {}

    def capture(fig, trim=True):  # noqa: ANN001, ANN202
        seen["labels"] = [t.get_text() for t in fig.axes[0].get_xticklabels()]
        return "data:image/png;base64,"

    monkeypatch.setattr(charts, "to_data_uri", capture)
    names = [
        "Ratify the extension to 2042 for the gas discount",
        "Refuse the extension and keep 2017",
        "Hold out for a better gas price",
        "Turn toward the EU and NATO",
    ]
    charts.bars(names, {"utility": [1.0, 2.0, 3.0, 4.0]}, "Ranking", "utility")
    room = 90 // len(names)  # 22 characters each
    assert [lab.replace("\n", " ") for lab in seen["labels"]] == names
    assert all(len(line) <= room for lab in seen["labels"] for line in lab.split("\n"))
    assert "\n" in seen["labels"][0]
