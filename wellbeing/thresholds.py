"""Every threshold, window and weight of the wellbeing signals, in one frozen dataclass."""

from __future__ import annotations

import math
from dataclasses import dataclass

from contracts.checks import check_increasing, check_int, check_range
from wellbeing.errors import ThresholdError
from wellbeing.levels import RiskLevel

#: Signal families and what they cover; each has a weight in :class:`Thresholds`.
FAMILIES: tuple[str, ...] = ("absence", "workload", "rest", "performance", "exposure")


def _check_number(name: str, value: object, *, low: float, high: float = math.inf) -> float:
    """Reject bools, NaN, inf and values outside ``[low, high]``; return the value as float."""
    return check_range(name, value, low=low, high=high, error=ThresholdError)


def _check_int(name: str, value: object, *, low: int = 1) -> int:
    """Reject bools, non-integers and integers below ``low``."""
    return check_int(name, value, minimum=low, error=ThresholdError)


def _check_increasing(names: tuple[str, ...], values: tuple[float, ...]) -> None:
    """Raise unless ``values`` increase strictly (names are used in the message)."""
    check_increasing(names, values, error=ThresholdError)


@dataclass(frozen=True)
class Thresholds:
    """Thresholds, windows and weights for the workload-strain signals and the score.

    Every value is checked when the object is made, so a bad setting fails at once
    (``ThresholdError``, a ``ValueError``). Defaults and their sources:

    Attributes
    ----------
    bradford_window_weeks : int
        Rolling window of the Bradford Factor, weeks (52: the definition, CIPD; see
        ``shared/data/bradford_factor/SOURCE.txt``).
    bradford_triggers : tuple of float
        Trigger points of the Bradford Factor, strictly increasing, dimensionless
        (50 / 125 / 400 / 650: the "common" scheme, NRAS forum table and employmentlawclinic.com
        calculator in ``bradford_trigger_sets.csv``). Employer policy, not law.
    bradford_severities : tuple of float
        Severity of each trigger band, one per trigger point, increasing, on (0, 1]
        ((0.25, 0.4, 0.75, 1.0)). The triggers are the employer's absence policy; a strain flag
        is not. At the second trigger (125: e.g. 4 spells, 8 days) absence alone stays below
        the medium line (0.4 x 0.6 = 24 points), because ordinary sickness reaches it: about
        2 % of people with the usual 1 to 2 spells a year have a year of 4 spells. From the
        third (400: e.g. 5 spells in 16 days, 7 in 9) 0.75 (45 points) and from the fourth 1.0
        (60), but only where another absence signal shows a change (see
        ``bradford_alone_max_severity``).
    bradford_alone_max_severity : float
        Highest severity of the Bradford Factor for a person without another absence signal
        (no rise against the own usual, no spells clustering after heavy weeks), fraction
        (0.45: 27 points, below the medium line, so it adds to other evidence and never flags
        alone). The Bradford Factor measures how much short absence there is, not whether it
        changed: frequent short absence at a person's steady rate is most often a health
        condition or a disability (the factor's known problem under the UK Equality Act 2010;
        ACAS advises adjusting triggers for it), not workload strain. About 2 % of people with
        the usual 1.5 spells a year have a year of 5 or more by chance.
    bradford_absence_types : tuple of str
        Absence ``type`` values that count as spells (``("sick",)``; planned leave never counts).
    spell_join_gap_days : int
        Records of the same type separated by at most this many absence-free days join into
        one spell, days (0: only overlapping or back-to-back records join; set 2 to bridge a
        weekend for Monday-to-Friday staff).
    spell_join_over_weekends : bool
        Records of the same type separated only by Saturdays and Sundays join into one spell
        (True: sick on Friday and again on Monday is one spell, as the Bradford Factor counts it).
    long_spell_working_days : int
        A spell of at least this many working days (Monday-Friday) is a *long spell*: illness
        or an operation, not workload strain. It is left out of every strain signal (Bradford,
        sick days, frequency, spells after heavy weeks) and shown to HR as context on a flag,
        days (8: longer than the 7 calendar days a UK employee may self-certify before a fit
        note is needed, so a medically certified absence; house rule otherwise).
    return_to_work_check_ins : bool
        Open a separate, non-risk "return-to-work check-in" item for a person back from a long
        spell (False: HR opts in). Never a flag, never in the score.
    check_in_weeks : int
        A long spell gets a check-in item when it ended within this many weeks before
        ``as_of``, weeks (4).
    heavy_week_spell_days : int
        A short sick spell "follows a heavy week" when it starts within this many days after
        the end of a heavy week, days (14, house rule).
    heavy_week_share : float
        A heavy week has hours at least this fraction above the person's own contract,
        fraction (0.1: 4 h over 40 h, 2 h over a 20 h part-time contract; ordinary week-to-week
        noise of a fraction of an hour never counts).
    heavy_week_min_spells : int
        Short spells following heavy weeks in the Bradford window needed to fire the
        ``absence_after_heavy_weeks`` signal (3: two can be chance for someone who often takes
        an extra shift).
    heavy_week_min_ratio : float
        Spells must also start at least this many times as often per day in the
        ``heavy_week_spell_days`` after a heavy week as on the person's other days,
        dimensionless (2.0, like ``frequency_ratio``): someone who works heavy weeks most of the
        time has most spells "after a heavy week" by chance (see
        :func:`wellbeing.signals.heavy_week_spells`).
    heavy_week_min_other_weeks : int
        Weeks of the person's own working time *not* following a heavy week needed to compare
        with at all, weeks (13: a quarter, the recent window of the frequency rule); someone who
        works heavy weeks nearly all the time has no usual to compare with, and the working-time
        rules (48 h average, overtime streak) speak for them.
    min_history_weeks : int
        Weeks since a person's first hours or performance record needed before any rule that
        reads the person's own history (absence and performance families) may flag them; a
        newer joiner gets the status "not enough history yet (N weeks)" instead, weeks (13:
        a quarter, the recent window of the frequency rule). The working-time rules (48 h
        average, rest, occupancy) are limits in law and still apply from the first week.
    leave_week_min_days : int
        A week with at least this many weekdays of recorded absence (any type: vacation, sick,
        other) is a leave week: left out of the performance trends and baselines, so weeks of
        vacation never look like a performance drop, days (5: a whole working week away, when
        any value recorded for the week cannot be the person's work; a partial week keeps the
        mean of the days worked).
    sick_days_threshold : float
        Days absent (counted types) in the Bradford window that fire the sick-days signal, days
        (10: Falmouth University's "10 days in 12 months" trigger, LRD Publications).
    sick_days_full : float
        Days at which that signal is at full severity, days (28: Dorset Police staff and
        Falmouth's long-term trigger, same source).
    frequency_recent_weeks : int
        Recent window of the spell-frequency signal, weeks (13: Falmouth University's
        "3 occasions in 13 weeks" trigger, LRD Publications).
    frequency_min_recent_spells : int
        Spells in the recent window needed to fire (4). Falmouth's policy trigger is 3
        occasions, but with the usual 1 to 2 spells a year 3 in a quarter happens by chance to
        about 1 person in 170 (Poisson, 0.375 a quarter), which in a centre of 1,000 is more
        flags than real strain gives; 4 happens to about 1 in 1,800.
    frequency_baseline_weeks : int
        The person's own earlier baseline: the weeks before the recent window, weeks (39, so
        recent + baseline = 52 weeks).
    frequency_ratio : float
        Recent spell rate must be at least this multiple of the baseline rate (2.0, house rule).
    frequency_long_recent_weeks, frequency_long_baseline_weeks : int
        A second, half-year window of the same rule, weeks (26 against the 26 before): strain
        that builds over months shows as a half-year of frequent spells, not always as 3 in
        one quarter.
    frequency_long_min_recent_spells : int
        Spells in that half-year needed to fire (5: with the usual 1 to 2 spells a year,
        5 in half a year happens to about 1 person in 1,000 by chance).
    max_average_weekly_hours : float
        Average weekly working time limit, hours (48: EU Working Time Directive 2003/88/EC art. 6).
    reference_period_weeks : int
        Reference period of that average, weeks (17: UK Working Time Regulations reg. 4; the
        directive allows up to 4 months).
    short_period_weeks : int
        A short rolling average against the same 48 h, weeks (4: recent strain shows before the
        17-week average moves).
    min_share_of_weeks_with_hours : float
        An average is computed only when at least this fraction of its weeks has hours, fraction
        (0.5). Weeks with no hours (leave, sickness, before hire) are left out of the average, as
        the UK regulations leave leave and sick days out of the reference period.
    long_hours_week : float
        Weekly hours at which strain is at full severity, hours (55: WHO/ILO 2021, 55+ h a week
        carries a 35 % higher stroke risk).
    overtime_min_hours : float
        A week counts as an overtime week when hours exceed contract by at least this, hours
        (1.0, house rule: ignores rounding and a late call).
    overtime_streak_weeks : int
        Consecutive overtime weeks (up to the last complete week) that fire the signal (4).
    min_daily_rest_hours : float
        Minimum daily rest, hours (11: Working Time Directive art. 3).
    max_consecutive_working_days : int
        Working days in a row allowed before the signal fires, days (6: art. 5, 24 h of rest in
        every 7-day period).
    rest_lookback_weeks : int
        Window of the rest and consecutive-day signals, weeks (4).
    short_rest_min_count : int
        Short rests in the lookback window needed to fire (1).
    trend_weeks : int
        Recent weeks of a performance metric: their Theil-Sen slope is reported and their last
        4 weeks are compared with the baseline, weeks (12).
    min_trend_weeks : int
        Weeks with data needed in that recent window to test at all (8; Mann-Kendall's normal
        approximation is poor below about 8 points).
    baseline_weeks : int
        The person's own baseline: the weeks before the recent window, weeks (26). The
        Mann-Kendall test runs over baseline + recent weeks (see
        :func:`wellbeing.signals.performance_decline_signal` for why).
    min_baseline_weeks : int
        Baseline weeks with data needed to use a baseline (4); with fewer, the trend alone decides
        and the reason says so.
    fdr_q : float
        Benjamini-Hochberg false discovery rate across all agents x metrics tested, fraction
        (0.05; 0.1 is the usual lenient choice).
    min_decline_baseline_sd : float
        The last 4 weeks must be worse than the baseline mean by at least this many baseline
        standard deviations, dimensionless (0.5, house rule: a significant trend that merely
        returns to normal is not a decline).
    min_steeper_than_share : float
        A declining metric is raised only when its Theil-Sen slope over the recent weeks is
        steeper than this share of the stable colleagues' (same metric, trend not significant;
        when there are at least 10), fraction (0.9, house rule: a slope most colleagues show by
        chance is not material, even when a long history makes the trend test significant).
    higher_is_better_metrics, higher_is_worse_metrics : tuple of str
        Direction of each known metric; other metrics are skipped with a note.
    occupancy_threshold : float
        Occupancy above which the exposure signal counts a week, fraction (0.85: the contact-centre
        rule of thumb "above 85-90 % sustained is the burnout zone").
    occupancy_full : float
        Occupancy at which exposure is at full severity, fraction (0.90, same source).
    occupancy_sustained_weeks : int
        Consecutive weeks above the threshold that make it "sustained" (4).
    weight_absence, weight_workload, weight_rest, weight_performance, weight_exposure : float
        Weight of each signal family in the score, fraction (0.6, 0.6, 0.5, 0.4, 0.4; house
        choice, see :mod:`wellbeing.scoring`).
    medium_score, high_score : float
        Score cut-offs of the levels, 0..100, strictly increasing (30, 60).
    min_group_size : int
        Smallest team shown in manager aggregates, people (5: Microsoft Viva Insights' minimum).
    """

    bradford_window_weeks: int = 52
    bradford_triggers: tuple[float, ...] = (50.0, 125.0, 400.0, 650.0)
    bradford_severities: tuple[float, ...] = (0.25, 0.4, 0.75, 1.0)
    bradford_alone_max_severity: float = 0.45
    bradford_absence_types: tuple[str, ...] = ("sick",)
    spell_join_gap_days: int = 0
    spell_join_over_weekends: bool = True
    long_spell_working_days: int = 8
    return_to_work_check_ins: bool = False
    check_in_weeks: int = 4
    heavy_week_spell_days: int = 14
    heavy_week_share: float = 0.1
    heavy_week_min_spells: int = 3
    heavy_week_min_ratio: float = 2.0
    heavy_week_min_other_weeks: int = 13
    min_history_weeks: int = 13
    leave_week_min_days: int = 5
    sick_days_threshold: float = 10.0
    sick_days_full: float = 28.0
    frequency_recent_weeks: int = 13
    frequency_min_recent_spells: int = 4
    frequency_baseline_weeks: int = 39
    frequency_ratio: float = 2.0
    frequency_long_recent_weeks: int = 26
    frequency_long_baseline_weeks: int = 26
    frequency_long_min_recent_spells: int = 5
    max_average_weekly_hours: float = 48.0
    reference_period_weeks: int = 17
    short_period_weeks: int = 4
    min_share_of_weeks_with_hours: float = 0.5
    long_hours_week: float = 55.0
    overtime_min_hours: float = 1.0
    overtime_streak_weeks: int = 4
    min_daily_rest_hours: float = 11.0
    max_consecutive_working_days: int = 6
    rest_lookback_weeks: int = 4
    short_rest_min_count: int = 1
    trend_weeks: int = 12
    min_trend_weeks: int = 8
    baseline_weeks: int = 26
    min_baseline_weeks: int = 4
    fdr_q: float = 0.05
    min_decline_baseline_sd: float = 0.5
    min_steeper_than_share: float = 0.9
    higher_is_better_metrics: tuple[str, ...] = ("csat", "qa_score", "adherence", "fcr", "nps")
    higher_is_worse_metrics: tuple[str, ...] = ("aht_seconds", "acw_seconds", "hold_seconds")
    occupancy_threshold: float = 0.85
    occupancy_full: float = 0.90
    occupancy_sustained_weeks: int = 4
    weight_absence: float = 0.6
    weight_workload: float = 0.6
    weight_rest: float = 0.5
    weight_performance: float = 0.4
    weight_exposure: float = 0.4
    medium_score: float = 30.0
    high_score: float = 60.0
    min_group_size: int = 5

    def __post_init__(self) -> None:
        ints = (
            "bradford_window_weeks",
            "frequency_recent_weeks",
            "frequency_min_recent_spells",
            "frequency_baseline_weeks",
            "frequency_long_recent_weeks",
            "frequency_long_baseline_weeks",
            "frequency_long_min_recent_spells",
            "reference_period_weeks",
            "short_period_weeks",
            "overtime_streak_weeks",
            "max_consecutive_working_days",
            "rest_lookback_weeks",
            "short_rest_min_count",
            "trend_weeks",
            "baseline_weeks",
            "min_baseline_weeks",
            "min_group_size",
            "long_spell_working_days",
            "check_in_weeks",
            "heavy_week_spell_days",
            "heavy_week_min_spells",
            "heavy_week_min_other_weeks",
            "min_history_weeks",
            "leave_week_min_days",
        )
        for name in ints:
            _check_int(name, getattr(self, name))
        _check_int("spell_join_gap_days", self.spell_join_gap_days, low=0)
        for name in ("spell_join_over_weekends", "return_to_work_check_ins"):
            if not isinstance(getattr(self, name), bool):
                raise ThresholdError(f"{name} must be True or False, not {getattr(self, name)!r}")
        if self.leave_week_min_days > 5:
            raise ThresholdError(
                f"leave_week_min_days must be at most 5 (weekdays), not {self.leave_week_min_days}"
            )
        _check_int("min_trend_weeks", self.min_trend_weeks, low=4)
        if self.min_trend_weeks > self.trend_weeks:
            raise ThresholdError(
                f"min_trend_weeks ({self.min_trend_weeks}) cannot exceed trend_weeks ({self.trend_weeks})"
            )
        for name in (
            "frequency_ratio",
            "overtime_min_hours",
            "min_decline_baseline_sd",
            "heavy_week_share",
            "heavy_week_min_ratio",
            "sick_days_threshold",
            "sick_days_full",
        ):
            _check_number(name, getattr(self, name), low=0.0)
        for name in ("max_average_weekly_hours", "long_hours_week", "min_daily_rest_hours"):
            _check_number(name, getattr(self, name), low=0.0, high=168.0)
        _check_increasing(
            ("sick_days_threshold", "sick_days_full"),
            (self.sick_days_threshold, self.sick_days_full),
        )
        if self.min_daily_rest_hours >= 24:
            raise ThresholdError(
                f"min_daily_rest_hours must be below 24, not {self.min_daily_rest_hours:g}"
            )
        for name in (
            "min_share_of_weeks_with_hours",
            "occupancy_threshold",
            "occupancy_full",
            "min_steeper_than_share",
            "bradford_alone_max_severity",
        ):
            _check_number(name, getattr(self, name), low=0.0, high=1.0)
        _check_number("fdr_q", self.fdr_q, low=1e-6, high=0.5)
        for family in FAMILIES:
            _check_number(f"weight_{family}", getattr(self, f"weight_{family}"), low=0.0, high=1.0)
        for name in ("medium_score", "high_score"):
            _check_number(name, getattr(self, name), low=0.0, high=100.0)
        _check_increasing(("medium_score", "high_score"), (self.medium_score, self.high_score))
        _check_increasing(
            ("max_average_weekly_hours", "long_hours_week"),
            (self.max_average_weekly_hours, self.long_hours_week),
        )
        _check_increasing(
            ("occupancy_threshold", "occupancy_full"),
            (self.occupancy_threshold, self.occupancy_full),
        )
        triggers = tuple(self.bradford_triggers)
        if not triggers:
            raise ThresholdError("bradford_triggers needs at least one trigger point")
        for i, t in enumerate(triggers):
            _check_number(f"bradford_triggers[{i}]", t, low=0.0)
        _check_increasing(tuple(f"bradford_triggers[{i}]" for i in range(len(triggers))), triggers)
        for name in (
            "bradford_absence_types",
            "higher_is_better_metrics",
            "higher_is_worse_metrics",
        ):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise ThresholdError(f"{name} must be a tuple of strings, not {value!r}")
            # frozen: store tuples so the object stays hashable even when given lists
            object.__setattr__(self, name, tuple(value))
        object.__setattr__(self, "bradford_triggers", tuple(float(t) for t in triggers))
        severities = tuple(self.bradford_severities)
        if len(severities) != len(triggers):
            raise ThresholdError(
                f"bradford_severities needs one value per trigger point ({len(triggers)}), "
                f"not {len(severities)}"
            )
        for i, v in enumerate(severities):
            _check_number(f"bradford_severities[{i}]", v, low=1e-6, high=1.0)
        _check_increasing(
            tuple(f"bradford_severities[{i}]" for i in range(len(severities))), severities
        )
        object.__setattr__(self, "bradford_severities", tuple(float(v) for v in severities))
        both = set(self.higher_is_better_metrics) & set(self.higher_is_worse_metrics)
        if both:
            raise ThresholdError(
                f"metric(s) {', '.join(sorted(both))} cannot be both higher-is-better and higher-is-worse"
            )

    def metric_direction(self, metric: str) -> int:
        """Return +1 if higher values of ``metric`` are better, -1 if worse, 0 if unknown."""
        if metric in self.higher_is_better_metrics:
            return 1
        if metric in self.higher_is_worse_metrics:
            return -1
        return 0

    def family_weight(self, family: str) -> float:
        """Return the score weight of a signal family (one of :data:`FAMILIES`)."""
        if family not in FAMILIES:
            raise ThresholdError(f"unknown signal family {family!r}; known: {', '.join(FAMILIES)}")
        return float(getattr(self, f"weight_{family}"))

    def level_for(self, score: float) -> RiskLevel:
        """Return the :class:`RiskLevel` (``low``, ``medium`` or ``high``) of a score on 0..100."""
        if score >= self.high_score:
            return RiskLevel.HIGH
        if score >= self.medium_score:
            return RiskLevel.MEDIUM
        return RiskLevel.LOW


DEFAULT_THRESHOLDS = Thresholds()
