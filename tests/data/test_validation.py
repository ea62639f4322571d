"""Every kind of bad input is rejected with a message naming file, row, column and value."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from data.readers import FileReadError, read_table
from data.validation import (
    MAX_REPORTED,
    DataValidationError,
    ReadOptions,
    detect_date_order,
    match_columns,
    validate_file,
)

TODAY = dt.date(2026, 11, 22)
OPT = ReadOptions(today=TODAY)


def check(kind: str, text: str, name: str = "f.csv", options: ReadOptions = OPT):
    return validate_file(kind, text.encode("utf-8"), name, options)


def errors(kind: str, text: str, **kw) -> str:
    report = check(kind, text, **kw)
    assert not report.ok, "expected the file to be rejected"
    with pytest.raises(DataValidationError) as caught:
        report.raise_for_errors()
    return str(caught.value)


# --- reading ----------------------------------------------------------------------------------


def test_semicolon_bom_and_day_first_dates_are_detected():
    text = "\ufeffcountry;date;contacts\nAR;13-1-2024;5\nAR;14-1-2024;7\n"
    report = check("contacts", text)
    assert report.ok
    assert list(report.frame["ds"]) == [pd.Timestamp("2024-01-13"), pd.Timestamp("2024-01-14")]
    assert any("day-month-year" in n for n in report.notes)


def test_month_first_dates_are_detected_when_unambiguous():
    report = check("contacts", "country,date,contacts\nUS,1/13/2024,5\nUS,1/14/2024,6\n")
    assert report.ok
    assert report.frame["ds"].iloc[0] == pd.Timestamp("2024-01-13")


def test_ambiguous_dates_are_never_guessed():
    message = errors("contacts", "country,date,contacts\nAR,01-02-2024,5\nAR,02-02-2024,6\n")
    assert (
        "f.csv: column 'date' has dates like '01-02-2024' that read either day-first or month-first"
        in message
    )
    assert "--date-order" in message


@pytest.mark.parametrize(("order", "expected"), [("dmy", "2024-02-01"), ("mdy", "2024-01-02")])
def test_stated_date_order_resolves_ambiguity(order, expected):
    report = check(
        "contacts",
        "country,date,contacts\nAR,01-02-2024,5\n",
        options=ReadOptions(today=TODAY, date_order=order),
    )
    assert report.ok
    assert report.frame["ds"].iloc[0] == pd.Timestamp(expected)


def test_mixed_date_orders_in_one_column_are_an_error():
    message = errors("contacts", "country,date,contacts\nAR,13-01-2024,5\nAR,01-13-2024,6\n")
    assert "both day-first and month-first" in message


def test_xlsx_is_read_like_csv():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Country", "Date", "Sessions"])
    sheet.append(["Hungary", dt.datetime(2024, 3, 15), 1200])
    sheet.append(["Argentina", dt.datetime(2024, 3, 15), 800.5])
    buffer = io.BytesIO()
    book.save(buffer)
    report = validate_file("traffic", buffer.getvalue(), "ga.xlsx", OPT)
    assert report.ok, report.lines()
    assert dict(zip(report.frame["country"], report.frame["sessions"], strict=True)) == {
        "AR": 800.5,
        "HU": 1200.0,
    }


def test_windows_1252_csv_is_read_with_a_note():
    content = "agent_id,name\nA1,Zsófia\n".encode("cp1252")
    report = validate_file("agents", content, "agents.csv", OPT)
    assert report.ok
    assert report.frame["name"].iloc[0] == "Zsófia"
    assert any("Windows-1252" in n for n in report.notes)


def test_empty_file_is_refused():
    with pytest.raises(FileReadError, match=r"empty.csv: the file is empty"):
        read_table(b"  \n", "empty.csv")


def test_missing_columns_are_named_with_what_was_found():
    message = errors("hours", "agent,day,worked\nA1,2024-01-01,8\n", name="hours.csv")
    assert "hours.csv: missing column 'agent_id'; found: agent, day, worked" in message


def test_renames_and_default_country_fit_a_single_centre_export():
    report = check(
        "contacts",
        "date;calls\n1-1-2024;10\n",
        options=ReadOptions(
            today=TODAY, date_order="dmy", columns={"calls": "contacts"}, default_country="IT"
        ),
    )
    assert report.ok
    assert report.frame.iloc[0][["country", "channel", "contacts"]].tolist() == [
        "IT",
        "voice",
        10.0,
    ]


# --- contacts -----------------------------------------------------------------------------------


def test_every_contacts_problem_is_reported_at_once():
    text = (
        "country,date,contacts,channel\n"
        "AR,2024-01-01,5,voice\n"
        "UK,2024-01-02,-3,voice\n"  # row 3: reserved code, negative
        "HU,2024-13-01,x,voice\n"  # row 4: bad date, not a number
        "AR,2024-01-01,5,voice\n"  # row 5: duplicate of row 2
        "HU,2030-01-01,NaN,fax\n"  # row 6: future, NaN, unknown channel
        "Narnia,2024-01-03,1,voice\n"  # row 7: unknown country
    )
    message = errors("contacts", text, name="contacts.csv")
    expected = [
        "contacts.csv row 3: column 'country' has 'UK', is not a known country; did you mean 'GB' (United Kingdom)?",
        "contacts.csv row 3: column 'contacts' has '-3', must be at least 0",
        "contacts.csv row 4: column 'date' has '2024-13-01', is not a date (YYYY-MM-DD or D-M-YYYY)",
        "contacts.csv row 4: column 'contacts' has 'x', is not a number",
        "contacts.csv row 5: repeats row 2 (the same country, channel and time: AR, voice, 2024-01-01)",
        "contacts.csv row 6: column 'date' has '2030-01-01', is in the future (after 2026-11-22)",
        "contacts.csv row 6: column 'contacts' has 'NaN', is not a number (NaN)",
        "contacts.csv row 6: column 'channel' has 'fax', is not a channel (voice, chat, email)",
        "contacts.csv row 7: column 'country' has 'Narnia', is not a known country",
    ]
    for line in expected:
        assert line in message


def test_problems_are_capped_but_counted():
    rows = "".join(f"AR,2024-01-01,-{i}\n" for i in range(MAX_REPORTED + 30))
    report = check("contacts", "country,date,contacts\n" + rows)
    assert report.error_count > MAX_REPORTED
    assert len(report.errors) == MAX_REPORTED
    assert report.lines()[MAX_REPORTED].startswith("error: ... and")


def test_intraday_contacts_detect_interval_and_reject_misaligned_starts():
    text = (
        "country,interval_start,contacts\n"
        "HU,2024-01-01 08:00,3\nHU,2024-01-01 08:30,4\nHU,2024-01-01 09:00,2\nHU,2024-01-01 09:45,1\n"
    )
    message = errors("contacts", text)
    assert (
        "row 5: column 'interval_start' has '2024-01-01 09:45', does not start a 30-minute interval"
        in message
    )
    ok = check(
        "contacts",
        "country,interval_start,contacts\nHU,2024-01-01 08:00,3\nHU,2024-01-01 08:30,4\n",
    )
    assert ok.ok and set(ok.frame["interval_minutes"]) == {30}


def test_daily_dates_with_a_time_of_day_are_refused():
    message = errors("contacts", "country,date,contacts\nAR,2024-01-01 10:00,5\n")
    assert "has a time of day" in message


def test_aht_must_be_positive_and_may_be_left_empty():
    assert check("contacts", "country,date,contacts,aht_seconds\nAR,2024-01-01,5,\n").ok
    message = errors("contacts", "country,date,contacts,aht_seconds\nAR,2024-01-01,5,0\n")
    assert "column 'aht_seconds' has '0', must be above 0 s" in message


def test_decimal_comma_needs_to_be_stated():
    message = errors("contacts", "country;date;contacts;aht_seconds\nAR;2024-01-01;5;182,5\n")
    assert "has '182,5', is not a number (the decimal mark is '.'" in message
    report = check(
        "contacts",
        "country;date;contacts;aht_seconds\nAR;2024-01-01;5;182,5\n",
        options=ReadOptions(today=TODAY, decimal=","),
    )
    assert report.frame["aht_seconds"].iloc[0] == 182.5


# --- traffic -----------------------------------------------------------------------------------


def test_traffic_accepts_country_names_and_sums_breakdowns():
    text = (
        "date;country;browser;sessions;users\n"
        "2024-01-01;United Kingdom;Chrome;10;9\n"
        "2024-01-01;United Kingdom;Safari;5;5\n"
        "2024-01-01;Bosnia & Herzegovina;Chrome;2;2\n"
        "2024-01-01;(not set);Chrome;7;7\n"
    )
    report = check("traffic", text)
    assert report.ok, report.lines()
    assert report.frame.set_index("country")["sessions"].to_dict() == {"BA": 2.0, "GB": 15.0}
    assert any("(not set)" in n for n in report.notes)


def test_traffic_duplicates_and_negative_sessions():
    message = errors(
        "traffic",
        "country,date,sessions\nAR,2024-01-01,5\nArgentina,2024-01-01,6\nHU,2024-01-01,-1\n",
    )
    assert "row 3: repeats row 2 (the same AR, 2024-01-01)" in message
    assert "row 4: column 'sessions' has '-1', must be at least 0" in message


# --- agents, absences, hours, performance ------------------------------------------------------


def test_agent_problems():
    text = (
        "agent_id,country,timezone,contract_hours_per_week,channels\n"
        "A1,AR,America/Argentina/Buenos_Aires,40,voice\n"
        "A1,HU,Europe/Budapest,40,chat\n"
        "A2,HU,Mars/Olympus,0,voice|fax\n"
    )
    message = errors("agents", text, name="agents.csv")
    assert "agents.csv row 3: repeats row 2 (agent A1)" in message
    assert (
        "agents.csv row 4: column 'timezone' has 'Mars/Olympus', is not an IANA time zone"
        in message
    )
    assert (
        "agents.csv row 4: column 'contract_hours_per_week' has '0', must be above 0 h" in message
    )
    assert (
        "agents.csv row 4: column 'channels' has 'voice|fax', names a channel other than voice, chat, email"
        in message
    )


def test_agents_channels_are_normalised_and_long_contracts_warned():
    report = check("agents", "agent_id,contract_hours_per_week,channels\nA1,50,Chat / voice\n")
    assert report.ok
    assert report.frame["channels"].iloc[0] == "chat,voice"
    assert "48 h" in str(report.warnings[0])


def test_overlapping_absences_are_an_error():
    text = (
        "agent_id,start_date,end_date,type\n"
        "A1,2024-03-01,2024-03-05,vacation\n"
        "A1,2024-03-05,2024-03-06,sick\n"  # overlaps row 2 by one day
        "A2,2024-03-01,2024-02-01,sick\n"  # ends before it starts
        "A3,2024-03-01,2024-03-01,holiday\n"  # unknown type
    )
    message = errors("absences", text, name="absences.csv")
    assert (
        "absences.csv row 3: column 'start_date' has '2024-03-05', overlaps the absence in row 2 "
        "(2024-03-01 to 2024-03-05) for agent A1"
    ) in message
    assert "row 4: column 'end_date' has '2024-02-01', is before start_date '2024-03-01'" in message
    assert (
        "row 5: column 'type' has 'holiday', is not an absence type (sick, vacation, other)"
        in message
    )


def test_future_vacation_is_fine_future_sick_leave_is_warned():
    report = check(
        "absences",
        "agent_id,start_date,end_date,type\nA1,2027-01-04,2027-01-08,vacation\nA2,2027-01-04,2027-01-04,sick\n",
    )
    assert report.ok
    assert [w.row for w in report.warnings] == [3]


def test_hours_over_24_are_an_error_and_long_days_a_warning():
    message = errors("hours", "agent_id,date,hours_worked\nA1,2024-01-01,25\nA1,2024-01-01,8\n")
    assert "row 2: column 'hours_worked' has '25', must be at most 24 h" in message
    assert "row 3: repeats row 2 (agent and day A1, 2024-01-01)" in message
    report = check("hours", "agent_id,date,hours_worked\nA1,2024-01-01,14\n")
    assert report.ok and "11 h daily rest" in str(report.warnings[0])


def test_performance_fractions_and_names():
    text = "agent_id,date,metric,value\nA1,2024-01-01,adherence,93\nA1,2024-01-01,First Call Resolution!,1\nA1,2024-01-08,csat,4.5\n"
    message = errors("performance", text)
    assert "row 2: column 'value' has '93', is outside 0..1 for adherence, a fraction" in message
    assert "row 3: column 'metric' has 'First Call Resolution!', is not a metric name" in message


def test_bad_options_fail_when_made():
    with pytest.raises(ValueError, match="date_order must be"):
        ReadOptions(date_order="ydm")
    with pytest.raises(ValueError, match="interval_minutes must be 15, 30 or 60"):
        ReadOptions(interval_minutes=20)


# --- files from the wild: encodings, huge cells, impossible dates and numbers ------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_read(encoding):
    text = "country\tdate\tcontacts\nAR\t2024-01-01\t5\nHU\t2024-01-01\t7\n"
    report = validate_file("contacts", text.encode(encoding), "unicode.txt", OPT)
    assert report.ok, report.lines()
    assert report.frame["contacts"].tolist() == [5.0, 7.0]
    assert read_table(text.encode(encoding), "unicode.txt").encoding in ("utf-16", "utf-32")


def test_a_binary_file_is_refused_by_name():
    with pytest.raises(FileReadError, match=r"photo.csv: not a text file"):
        read_table(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "photo.csv")


def test_a_100_kb_cell_is_echoed_truncated():
    huge = "9" * 100_000 + "x"
    report = check("contacts", f"country,date,contacts\nAR,2024-01-01,{huge}\n")
    (problem,) = report.errors
    assert (problem.file, problem.row, problem.column) == ("f.csv", 2, "contacts")
    assert problem.value.startswith("9999") and "(100,001 characters)" in problem.value
    assert len(str(problem)) < 300
    header = errors("contacts", f"country,date,{'h' * 100_000}\nAR,2024-01-01,5\n")
    assert "missing column 'contacts'" in header and len(header) < 2000


@pytest.mark.parametrize(
    ("kind", "text", "column", "value"),
    [
        (
            "contacts",
            "country,date,contacts\nAR,2024-01-01,5\nAR,1600-01-01,5\n",
            "date",
            "1600-01-01",
        ),
        (
            "contacts",
            "country,date,contacts\nAR,2024-01-01,5\nAR,13-1-2300,5\n",
            "date",
            "13-1-2300",
        ),
        (
            "contacts",
            "country,interval_start,contacts\nAR,2024-01-01 09:00,5\nAR,1492-10-12 09:30,5\n",
            "interval_start",
            "1492-10-12 09:30",
        ),
        (
            "absences",
            "agent_id,start_date,end_date,type\nA1,2024-01-01,2999-01-01,vacation\n",
            "end_date",
            "2999-01-01",
        ),
    ],
)
def test_dates_pandas_cannot_hold_are_rejected_by_file_row_and_column(kind, text, column, value):
    # Beyond 1677-2262 pandas raised OutOfBoundsDatetime, naming neither file, row nor column.
    message = errors(kind, text)
    row = 3 if kind == "contacts" else 2
    assert (
        f"f.csv row {row}: column '{column}' has '{value}', is outside the years 1900 to 2199"
        in (message)
    )


@pytest.mark.parametrize("value", ["1e308", "-1e308", "2000000000"])
def test_absurdly_large_numbers_are_rejected(value):
    message = errors("performance", f"agent_id,date,metric,value\nA1,2024-01-01,nps,{value}\n")
    assert f"f.csv row 2: column 'value' has '{value}', is too large" in message


def test_huge_contacts_never_reach_the_sums():
    message = errors(
        "contacts", "country,date,contacts\nAR,2024-01-01,1e308\nAR,2024-01-02,1e308\n"
    )
    assert "f.csv row 3: column 'contacts' has '1e308', is too large" in message


def test_negative_csat_is_rejected_negative_nps_is_not():
    message = errors(
        "performance",
        "agent_id,date,metric,value\nA1,2024-01-01,csat,-3\nA1,2024-01-01,qa_score,80\n",
    )
    assert "f.csv row 2: column 'value' has '-3', is negative, and csat is a score" in message
    nps = check("performance", "agent_id,date,metric,value\nA1,2024-01-01,nps,-20\n")
    assert nps.ok, nps.lines()


# --- column matching ----------------------------------------------------------------------------


def test_a_common_export_header_is_matched_and_said():
    report = check(
        "contacts",
        "Date;Calls\n2024-01-01;10\n",
        options=ReadOptions(today=TODAY, default_country="IT"),
    )
    assert report.ok, report.lines()
    assert report.frame["contacts"].tolist() == [10.0]
    assert "column 'Calls' read as 'contacts'" in report.notes


def test_two_candidate_headers_are_not_guessed():
    message = errors("contacts", "country,date,calls,tickets\nAR,2024-01-01,1,2\n")
    assert "missing column 'contacts'" in message


def test_a_stated_mapping_wins_and_the_same_named_column_is_left_out():
    report = check(
        "contacts",
        "country,date,contacts,offered\nAR,2024-01-01,1,9\n",
        options=ReadOptions(today=TODAY, columns={"offered": "contacts"}),
    )
    assert report.ok, report.lines()
    assert report.frame["contacts"].tolist() == [9.0]
    assert "column 'contacts' was not used: 'offered' gives contacts" in report.notes


def test_mapping_a_header_to_nothing_leaves_it_out():
    report = check(
        "contacts",
        "country,site,date,contacts\nXX,Rome,2024-01-01,1\n",
        options=ReadOptions(today=TODAY, columns={"country": "", "site": ""}, default_country="IT"),
    )
    assert report.ok, report.lines()
    assert report.frame["country"].tolist() == ["IT"]


def test_two_headers_mapped_to_one_column_are_an_error():
    message = errors(
        "contacts",
        "country,day,date,contacts\nAR,2024-01-01,2024-01-02,1\n",
        options=ReadOptions(today=TODAY, columns={"day": "date", "date": "date"}),
    )
    assert "columns 'day', 'date' are all read as 'date'; map only one of them" in message


def test_match_columns_reports_how_each_column_was_found():
    matches = match_columns("contacts", ["Country", "Calls", "Interval Start"], {})
    found = {m.column: (m.header, m.how, m.required) for m in matches}
    assert found["country"] == ("Country", "same name", True)
    assert found["contacts"] == ("Calls", "synonym", True)
    assert found["interval_start"] == ("Interval Start", "same name", False)
    assert found["channel"] == (None, "absent", False)


@pytest.mark.parametrize(
    ("values", "order", "words"),
    [
        (["2024-01-13", "2024-01-14"], "ymd", "year-month-day"),
        (["13-1-2024", "1-2-2024"], "dmy", "day-month-year"),
        (["1/13/2024", "2/1/2024"], "mdy", "month-day-year"),
        (["1-2-2024", "2-3-2024"], None, "ambiguous"),
        (["13-1-2024", "1-13-2024"], None, "mixed"),
    ],
)
def test_detect_date_order(values, order, words):
    guess = detect_date_order(pd.Series(values))
    assert guess.order == order
    assert guess.describe().startswith(words)


# --- identifiers --------------------------------------------------------------------------------


def test_nfc_and_nfd_spellings_are_one_agent():
    composed, decomposed = "Jos\u00e9", "Jose\u0301"
    assert composed != decomposed
    message = errors("agents", f"agent_id,name\n{composed},a\n{decomposed},b\n")
    assert f"f.csv row 3: repeats row 2 (agent {composed})" in message
    report = check("agents", f"agent_id,name,team\n{decomposed},{decomposed},T\u200beam\n")
    assert report.ok
    assert report.frame[["agent_id", "name", "team"]].iloc[0].tolist() == [
        composed,
        composed,
        "Team",
    ]
    assert any("'agent_id': 1 values" in n and "normalised (NFC)" in n for n in report.notes)


@pytest.mark.parametrize("invisible", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_zero_width_characters_are_removed_from_keys(invisible):
    message = errors(
        "hours", f"agent_id,date,hours_worked\nA1,2024-01-01,8\nA{invisible}1,2024-01-01,7\n"
    )
    assert "f.csv row 3: repeats row 2 (agent and day A1, 2024-01-01)" in message
    report = check("contacts", f"country,date,contacts\n{invisible}AR,2024-01-01,5\n")
    assert report.ok and report.frame["country"].tolist() == ["AR"]


@pytest.mark.parametrize(
    ("kind", "header", "column", "table"),
    [
        ("agents", "agent_id", "agent_id", "agents"),
        ("agents", "agent_id,name", "name", "agents"),
        ("agents", "agent_id,team", "team", "agents"),
        ("performance", "agent_id,date,metric,value", "metric", "performance"),
        ("hours", "agent_id,date,hours_worked", "agent_id", "hours"),
    ],
)
def test_text_longer_than_its_database_column_is_refused(kind, header, column, table):
    from data import schema

    limit = schema.TABLES[table].c[column].type.length
    cells = {"agent_id": "A1", "name": "Ana", "team": "T", "date": "2024-01-01"}
    cells |= {"metric": "csat", "value": "4", "hours_worked": "8"}
    fitting = dict(cells, **{column: "a" * limit})
    too_long = dict(cells, **{column: "a" * (limit + 1)})
    fields = header.split(",")
    row = lambda values: ",".join(values[f] for f in fields)  # noqa: E731
    assert check(kind, f"{header}\n{row(fitting)}\n").ok
    report = check(kind, f"{header}\n{row(too_long)}\n")
    (problem,) = report.errors
    assert (problem.file, problem.row, problem.column) == ("f.csv", 2, column)
    assert problem.message == (
        f"is {limit + 1:,} characters long; the database holds at most {limit} in this column"
    )
    huge = check(kind, f"{header}\n{row(dict(cells, **{column: 'a' * 10_000}))}\n")
    assert "(10,000 characters)" in huge.errors[0].value and len(str(huge.errors[0])) < 400


def test_numbers_read_the_same_on_the_fast_path_and_the_careful_one():
    from data.validation import _to_float

    cells = ["1.5", "+5", ".5", "5.", "1e5", "1E-3", "0001", "-0", "120", "1e308", "inf", "nan"]
    text = pd.Series(cells, dtype="str")
    fast = _to_float(text, text == "")
    careful = pd.to_numeric(text, errors="coerce").astype(float)
    pd.testing.assert_series_equal(fast, careful + 0.0)
    assert str(fast[7]) == "0.0"  # not -0.0
    # One unreadable cell: the whole column is pandas' reading, NaN where it is no number.
    mixed = _to_float(pd.Series(["1.5", "1_000", "abc"], dtype="str"), pd.Series([False] * 3))
    assert mixed.iloc[0] == 1.5 and mixed.iloc[1:].isna().all()
    report = check("contacts", "country,date,contacts\nAR,2024-01-01,-0\nAR,2024-01-02,7\n")
    assert report.frame["contacts"].tolist() == [0.0, 7.0]


def test_a_column_of_plain_numbers_reads_as_the_cell_by_cell_reading_does():
    """Every cell a plain number: one cast of the text as it is; a space anywhere in the column
    sends it cell by cell (spaces removed). Both give the same numbers and the same refusals."""
    from data.validation import _plain_numbers

    cells = ["1.5", "+5", ".5", "5.", "1e5", "1E-3", "0001", "-0", "120", "1e10"]
    plain = "".join(f"AR,2024-01-{d + 1:02d},{c}\n" for d, c in enumerate(cells))
    spaced = plain.replace(",120\n", ", 120 \n")
    fast = check("contacts", "country,date,contacts\n" + plain.replace(",1e10\n", ",3\n"))
    careful = check("contacts", "country,date,contacts\n" + spaced.replace(",1e10\n", ",3\n"))
    assert fast.ok and careful.ok
    pd.testing.assert_series_equal(fast.frame["contacts"], careful.frame["contacts"])
    assert str(fast.frame["contacts"].iloc[7]) == "0.0"  # not -0.0
    assert _plain_numbers(pd.Series(cells, dtype="str")) is not None
    for odd in (" 12", "", "nan", "inf", "1,5", "1 000"):
        assert _plain_numbers(pd.Series(["1", odd], dtype="str")) is None, odd
    # Read by the cast, still checked: too large, negative.
    message = errors("contacts", "country,date,contacts\n" + plain.replace(",-0\n", ",-2\n"))
    assert "f.csv row 11: column 'contacts' has '1e10', is too large" in message
    assert "f.csv row 9: column 'contacts' has '-2', must be at least 0" in message
