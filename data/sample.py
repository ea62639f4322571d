"""Deterministic sample data: traffic, contacts with holiday effects, agents and their strain.

The generator exists so that a newcomer sees a working dashboard at once and so that tests and
benchmarks have data with a known truth: contacts rise in the days before national holidays,
dip on them and catch up after; a handful of agents drift into strain (more sick spells,
sustained overtime, declining performance). Who drifts is written to a separate truth file that
only tests and benchmarks read; the scoring never sees it.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, fields
from pathlib import Path

import holidays as holidays_lib
import numpy as np
import pandas as pd

from data.config import make_private_dir

SEED = 20261122


@dataclass(frozen=True)
class CountrySpec:
    """How one country's sample demand and team look."""

    code: str
    timezone: str
    sessions: float  # mean daily web sessions on a normal weekday
    agents: int
    first_names: tuple[str, ...]
    last_names: tuple[str, ...]


COUNTRIES: tuple[CountrySpec, ...] = (
    CountrySpec("AR", "America/Argentina/Buenos_Aires", 12_000, 24,
                ("Lucía", "Mateo", "Valentina", "Santiago", "Camila", "Joaquín", "Martina", "Tomás"),
                ("González", "Rodríguez", "Fernández", "López", "Martínez", "Pérez", "Romero", "Sosa")),
    CountrySpec("HU", "Europe/Budapest", 7_000, 9,
                ("Bence", "Anna", "Máté", "Zsófia", "Levente", "Hanna", "Dávid", "Réka"),
                ("Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár")),
    CountrySpec("US", "America/New_York", 24_000, 30,
                ("Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James"),
                ("Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis")),
    CountrySpec("GB", "Europe/London", 14_000, 24,
                ("Amelia", "Oliver", "Isla", "George", "Freya", "Arthur", "Lily", "Harry"),
                ("Taylor", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes", "Green")),
    CountrySpec("DE", "Europe/Berlin", 16_000, 24,
                ("Emilia", "Noah", "Mia", "Matteo", "Sophia", "Leon", "Lina", "Paul"),
                ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker")),
    CountrySpec("BR", "America/Sao_Paulo", 18_000, 26,
                ("Helena", "Miguel", "Alice", "Arthur", "Laura", "Gael", "Manuela", "Heitor"),
                ("Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Ferreira")),
)  # fmt: skip

# Contacts per session, and open hours (local) per channel. The rates make each country's volume
# about what its sample team can answer at 80/20 with 30% shrinkage (a team a third of the needed
# size would make every page report a permanent crisis).
CHANNEL_RATE = {"voice": 0.012, "chat": 0.0055}
OPEN_HOURS = {"voice": (8, 20), "chat": (8, 22)}
AHT_SECONDS = {"voice": 320.0, "chat": 540.0}
INTERVAL_MINUTES = 30

# Holiday effect on contacts beyond what traffic explains (the pattern this product catches).
PRE_HOLIDAY_DAYS = 3
PRE_RISE = {"major": 0.35, "other": 0.22}  # rise reached the day before the holiday
ON_HOLIDAY = 0.45  # share of a normal day's contacts on the holiday itself
CATCH_UP = (0.20, 0.08)  # extra contacts on the first and second day after
MAJOR_WORDS = ("christmas", "new year", "navidad", "carnival", "easter", "good friday")

DRIFT_KINDS = ("sick", "overtime", "performance")


@dataclass(frozen=True)
class SampleData:
    """All generated tables, in the input formats of the README (``truth`` is tests-only)."""

    traffic: pd.DataFrame
    contacts: pd.DataFrame
    agents: pd.DataFrame
    absences: pd.DataFrame
    hours: pd.DataFrame
    performance: pd.DataFrame
    truth: pd.DataFrame


# The order files must be imported in: absences, hours and performance refer to agents.
IMPORT_ORDER = ("traffic", "contacts", "agents", "absences", "hours", "performance")
TRUTH_FILE = "drift_truth.csv"


def _calendar(code: str, years: range | list[int]) -> holidays_lib.HolidayBase:
    # the holidays package directly, not forecasting's calendar: data/ imports no domain package;
    # English names whatever the machine's locale
    return holidays_lib.country_holidays(code, years=list(years), language="en_US")


def national_holidays(code: str, days: pd.DatetimeIndex) -> dict[dt.date, str]:
    """Public holidays of a country within ``days``: date -> names joined with "; "."""
    first, last = days[0].date(), days[-1].date()
    cal = _calendar(code, range(first.year, last.year + 1))
    return {
        day: "; ".join(dict.fromkeys(cal.get_list(day)))
        for day in sorted(cal)
        if first <= day <= last
    }


def weekend_days(code: str) -> frozenset[int]:
    """Weekend weekdays of a country (Monday = 0), as the holidays package knows them."""
    return frozenset(int(d) for d in _calendar(code, []).weekend)


def generate_sample(end: dt.date | None = None, *, seed: int = SEED, years: int = 2) -> SampleData:
    """Generate the sample data set.

    Parameters
    ----------
    end : date, optional
        Last day of history (default: yesterday, so every day is complete).
    seed : int
        Random seed; the same seed and end give the same data.
    years : int
        Length of the traffic and contacts history in years (people data covers 12 months).
    """
    end = end or (dt.date.today() - dt.timedelta(days=1))
    start = (pd.Timestamp(end) - pd.DateOffset(years=years)).date()
    days = pd.date_range(start, end, freq="D")
    rng = np.random.default_rng(seed)
    traffic, daily = [], []
    for spec in COUNTRIES:
        t, d = _country_demand(spec, days, rng)
        traffic.append(t)
        daily.append(d)
    traffic_frame = pd.concat(traffic, ignore_index=True)
    contacts = _split_intraday(pd.concat(daily, ignore_index=True), rng)
    # People data draw from a stream of their own, so demand settings do not reshuffle them.
    rng = np.random.default_rng([seed, 1])
    agents, drift = _agents(rng)
    people_start = pd.Timestamp(end) - pd.Timedelta(weeks=52) + pd.Timedelta(days=1)
    absences = _absences(agents, drift, people_start, pd.Timestamp(end), rng)
    hours = _hours(agents, drift, absences, people_start, pd.Timestamp(end), rng)
    performance = _performance(agents, drift, people_start, pd.Timestamp(end), rng)
    truth = pd.DataFrame(
        {
            "agent_id": agents["agent_id"],
            "drifting": [bool(drift.get(a)) for a in agents["agent_id"]],
            "kinds": [";".join(drift.get(a, ())) for a in agents["agent_id"]],
        }
    )
    return SampleData(traffic_frame, contacts, agents, absences, hours, performance, truth)


def _holiday_factors(code: str, days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """(traffic factor, contact factor beyond traffic) per day for one country."""
    cal = national_holidays(code, days)
    on = np.array([d.date() in cal for d in days])
    contact = np.ones(len(days))
    index = {d.date(): i for i, d in enumerate(days)}
    for day, name in cal.items():
        if day not in index:
            continue
        i = index[day]
        rise = PRE_RISE["major" if any(w in name.lower() for w in MAJOR_WORDS) else "other"]
        for k in range(1, PRE_HOLIDAY_DAYS + 1):  # ramps up towards the holiday
            if i - k >= 0:
                contact[i - k] *= 1 + rise * (PRE_HOLIDAY_DAYS + 1 - k) / PRE_HOLIDAY_DAYS
        for k, extra in enumerate(CATCH_UP, start=1):
            if i + k < len(days):
                contact[i + k] *= 1 + extra
    contact = np.minimum(contact, 1.8)
    contact[on] = ON_HOLIDAY
    traffic = np.where(on, 0.7, 1.0)
    return traffic, contact


def _country_demand(spec: CountrySpec, days: pd.DatetimeIndex, rng: np.random.Generator):
    weekend = weekend_days(spec.code)
    dow = days.day_of_week.to_numpy()
    is_weekend = np.isin(dow, list(weekend))
    first_workday = np.isin((dow - 1) % 7, list(weekend)) & ~is_weekend
    weekly = np.where(is_weekend, 0.62, np.where(first_workday, 1.08, 1.0))
    doy = days.day_of_year.to_numpy()
    yearly = 1 + 0.15 * np.cos(2 * np.pi * (doy - 345) / 365.25)
    growth = 1 + 0.08 * np.arange(len(days)) / 365.25
    traffic_h, contact_h = _holiday_factors(spec.code, days)
    sessions_mean = spec.sessions * weekly * yearly * growth * traffic_h
    sessions = np.round(sessions_mean * rng.lognormal(0, 0.05, len(days)))
    traffic = pd.DataFrame({"country": spec.code, "date": days, "sessions": sessions})
    # Contacts follow traffic, with a contact-centre weekday shape of their own and the holiday effect.
    shape = np.where(is_weekend, 0.7, np.where(first_workday, 1.12, 1.0))
    rows = []
    for channel, rate in CHANNEL_RATE.items():
        mean = rate * sessions * shape * contact_h * rng.lognormal(0, 0.04, len(days))
        rows.append(
            pd.DataFrame(
                {
                    "country": spec.code,
                    "channel": channel,
                    "date": days,
                    "total": rng.poisson(mean),
                    "weekend": is_weekend,
                    "holiday": contact_h == ON_HOLIDAY,
                }
            )
        )
    return traffic, pd.concat(rows, ignore_index=True)


def _profile(channel: str, quiet: bool) -> np.ndarray:
    """Share of the day per 30-minute slot while open: two peaks on workdays, one otherwise."""
    open_h, close_h = OPEN_HOURS[channel]
    mid = np.arange(open_h * 60, close_h * 60, INTERVAL_MINUTES) + INTERVAL_MINUTES / 2
    hours = mid / 60
    if quiet:
        weight = 0.3 + np.exp(-0.5 * ((hours - 12.5) / 2.5) ** 2)
    else:
        evening = 0.6 if channel == "chat" else 0.0
        weight = (
            0.25
            + np.exp(-0.5 * ((hours - 10.5) / 1.3) ** 2)
            + 0.8 * np.exp(-0.5 * ((hours - 15.0) / 1.6) ** 2)
            + evening * np.exp(-0.5 * ((hours - 20.0) / 1.2) ** 2)
        )
    return weight / weight.sum()


def _split_intraday(daily: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Daily totals -> 30-minute counts (multinomial on the profile), local time, with AHT."""
    parts = []
    for (channel, quiet), group in daily.groupby(["channel", daily["weekend"] | daily["holiday"]]):
        profile = _profile(channel, bool(quiet))
        counts = rng.multinomial(group["total"].to_numpy(), profile)  # days x slots
        open_h, _ = OPEN_HOURS[channel]
        offsets = pd.to_timedelta(
            open_h * 60 + INTERVAL_MINUTES * np.arange(len(profile)), unit="min"
        )
        starts = (group["date"].to_numpy()[:, None] + offsets.to_numpy()[None, :]).ravel()
        n = counts.size
        aht = AHT_SECONDS[channel] * rng.lognormal(0, 0.06, n)
        parts.append(
            pd.DataFrame(
                {
                    "country": np.repeat(group["country"].to_numpy(), len(profile)),
                    "channel": channel,
                    "interval_start": starts,
                    "contacts": counts.ravel(),
                    "aht_seconds": np.round(aht, 1),
                }
            )
        )
    out = pd.concat(parts, ignore_index=True)
    # An interval without contacts has no handle time to report.
    out.loc[out["contacts"] == 0, "aht_seconds"] = np.nan
    return out.sort_values(["country", "channel", "interval_start"]).reset_index(drop=True)


def _agents(rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, tuple[str, ...]]]:
    rows = []
    n = 0
    for spec in COUNTRIES:
        voice = (spec.agents + 1) // 2 + (1 if spec.code == "HU" else 0)
        pairs = [(f, la) for la in spec.last_names for f in spec.first_names]
        picks = rng.choice(len(pairs), size=spec.agents, replace=False)
        for i, pick in enumerate(picks):
            n += 1
            first, last = pairs[pick]
            on_voice = i < voice
            rows.append(
                {
                    "agent_id": f"A{n:03d}",
                    "name": f"{first} {last}",
                    "team": f"{spec.code} {'Voice' if on_voice else 'Chat'}",
                    "country": spec.code,
                    "timezone": spec.timezone,
                    "contract_hours_per_week": float(rng.choice([40, 40, 40, 36, 30, 20])),
                    "channels": "voice" if on_voice else rng.choice(["chat", "chat,voice"]),
                }
            )
    agents = pd.DataFrame(rows)
    # A handful drift into strain; every kind appears at least twice.
    full_time = agents.index[agents["contract_hours_per_week"] >= 36].to_numpy()
    chosen = rng.choice(full_time, size=8, replace=False)
    kinds = [
        ("sick", "overtime", "performance"),
        ("sick", "overtime"),
        ("overtime", "performance"),
        ("sick", "performance"),
        ("sick",),
        ("overtime",),
        ("performance",),
        ("sick", "overtime", "performance"),
    ]
    drift = {agents.loc[i, "agent_id"]: k for i, k in zip(chosen, kinds, strict=True)}
    return agents, drift


def _absences(agents, drift, start, end, rng) -> pd.DataFrame:
    rows: list[dict] = []
    horizon = end + pd.Timedelta(weeks=8)  # approved vacations ahead feed the roster
    for agent in agents["agent_id"]:
        plan = _AbsencePlan(agent, start, end, horizon)
        for _ in range(3):  # vacation blocks, one of them possibly ahead
            plan.add(
                start + pd.Timedelta(days=int(rng.integers(0, 52 * 7 + 50))),
                int(rng.integers(5, 12)),
                "vacation",
            )
        for _ in range(int(rng.poisson(1.3))):
            plan.add(
                start + pd.Timedelta(days=int(rng.integers(0, 52 * 7))),
                int(rng.geometric(0.55)),
                "sick",
            )
        if "sick" in drift.get(agent, ()):
            for _ in range(7):  # short spells in the last six months
                plan.add(
                    end - pd.Timedelta(days=int(rng.integers(1, 180))),
                    int(rng.integers(1, 3)),
                    "sick",
                )
        if rng.random() < 0.05:
            plan.add(start + pd.Timedelta(days=int(rng.integers(0, 300))), 1, "other")
        rows += plan.rows
    out = pd.DataFrame(rows, columns=["agent_id", "start_date", "end_date", "type"])
    return out.sort_values(["agent_id", "start_date"]).reset_index(drop=True)


class _AbsencePlan:
    """One agent's absences: candidates that overlap or touch a planned one are dropped."""

    def __init__(
        self, agent: str, start: pd.Timestamp, end: pd.Timestamp, horizon: pd.Timestamp
    ) -> None:
        self.agent, self.start, self.end, self.horizon = agent, start, end, horizon
        self.rows: list[dict] = []

    def add(self, first: pd.Timestamp, length: int, kind: str) -> None:
        last = first + pd.Timedelta(days=length - 1)
        if first < self.start or last > self.horizon or (kind == "sick" and last > self.end):
            return
        gap = pd.Timedelta(days=1)
        if any(first <= r["end_date"] + gap and r["start_date"] <= last + gap for r in self.rows):
            return
        self.rows.append(
            {"agent_id": self.agent, "start_date": first, "end_date": last, "type": kind}
        )


def _hours(agents, drift, absences, start, end, rng) -> pd.DataFrame:
    days = pd.date_range(start, end, freq="D")
    parts = []
    for spec in COUNTRIES:
        weekend = weekend_days(spec.code)
        cal = national_holidays(spec.code, days)
        workday = ~np.isin(days.day_of_week, list(weekend)) & ~np.array(
            [d.date() in cal for d in days]
        )
        team = agents[agents["country"] == spec.code]
        for agent, contract in zip(team["agent_id"], team["contract_hours_per_week"], strict=True):
            daily = contract / 5 + rng.normal(0, 0.35, len(days))
            worked = workday.copy()
            if "overtime" in drift.get(agent, ()):
                recent = days > end - pd.Timedelta(weeks=16)
                daily = np.where(recent, daily + rng.uniform(2.0, 3.0), daily)
                saturday = recent & (days.day_of_week == 5) & (rng.random(len(days)) < 0.5)
                worked |= saturday
                daily = np.where(saturday & ~workday, 6.0 + rng.normal(0, 0.5, len(days)), daily)
            own = absences[absences["agent_id"] == agent]
            for a_start, a_end in zip(own["start_date"], own["end_date"], strict=True):
                worked &= ~((days >= a_start) & (days <= a_end))
            parts.append(
                pd.DataFrame(
                    {
                        "agent_id": agent,
                        "date": days[worked],
                        "hours_worked": np.round(np.clip(daily[worked], 1, 13), 2),
                    }
                )
            )
    return (
        pd.concat(parts, ignore_index=True).sort_values(["agent_id", "date"]).reset_index(drop=True)
    )


def _performance(agents, drift, start, end, rng) -> pd.DataFrame:
    weeks = pd.date_range(start - pd.Timedelta(days=start.day_of_week), end, freq="W-MON")
    weeks = weeks[weeks >= start]
    n = len(weeks)
    parts = []
    for agent, channels in zip(agents["agent_id"], agents["channels"], strict=True):
        base = {
            "csat": rng.normal(86, 3),
            "qa_score": rng.normal(88, 3),
            "aht_seconds": AHT_SECONDS["chat" if channels.startswith("chat") else "voice"]
            * rng.normal(1, 0.05),
            "adherence": rng.normal(0.93, 0.015),
        }
        noise = {"csat": 2.0, "qa_score": 2.5, "aht_seconds": 12.0, "adherence": 0.012}
        decline = {"csat": -11.0, "qa_score": -10.0, "aht_seconds": 70.0, "adherence": -0.07}
        drifting = "performance" in drift.get(agent, ())
        ramp = np.clip((np.arange(n) - (n - 12)) / 11, 0, 1) if drifting else np.zeros(n)
        for metric, level in base.items():
            values = level + rng.normal(0, noise[metric], n) + ramp * decline[metric]
            if metric == "adherence":
                values = np.clip(values, 0, 1)
            parts.append(
                pd.DataFrame(
                    {
                        "agent_id": agent,
                        "date": weeks,
                        "metric": metric,
                        "value": np.round(values, 3),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True)


def write_sample(sample: SampleData, directory: Path) -> dict[str, Path]:
    """Write every table as CSV in the documented input format; returns kind -> path.

    The folder is made owner-only (0700) and each file 0600: the sample looks like HR data.
    """
    make_private_dir(directory)
    paths = {}
    for f in fields(sample):
        frame: pd.DataFrame = getattr(sample, f.name)
        path = directory / (TRUTH_FILE if f.name == "truth" else f"{f.name}.csv")
        out = frame.copy()
        for col in out.columns:
            if pd.api.types.is_datetime64_any_dtype(out[col]):
                is_day = (out[col] == out[col].dt.normalize()).all() and col != "interval_start"
                out[col] = out[col].dt.strftime("%Y-%m-%d" if is_day else "%Y-%m-%d %H:%M")
        out.to_csv(path, index=False)
        os.chmod(path, 0o600)
        paths[f.name] = path
    return paths


def seed_store(
    store, directory: Path, *, end: dt.date | None = None, seed: int = SEED, progress=None
) -> list:
    """Generate the sample, write its files to ``directory`` and import them through the one door.

    The files go through the same validation as any upload, so the sample can never hold what a
    user's file could not. ``progress(done, total, label)`` is called after each file.

    Returns
    -------
    list of data.store.ImportResult
    """
    from data.validation import DataValidationError, ReadOptions

    sample = generate_sample(end, seed=seed)
    paths = write_sample(sample, directory)
    options = ReadOptions(today=max(end, dt.date.today()) if end else None)
    results = []
    for i, kind in enumerate(IMPORT_ORDER, start=1):
        report, result = store.import_file(
            kind, paths[kind], options=options, source_label="sample"
        )
        if result is None:
            raise DataValidationError(report)
        results.append(result)
        if progress:
            progress(i, len(IMPORT_ORDER), kind)
    return results
