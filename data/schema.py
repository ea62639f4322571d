"""Database tables (SQLAlchemy Core). Alembic migrations in data/migrations create and change them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Stable constraint names, so migrations can refer to them on every backend.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

import_batches = Table(
    "import_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("row_count", Integer, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("source", String(16), nullable=False),  # sample, upload, cli
    Column("notes", Text, nullable=True),
)


def _batch() -> Column:
    return Column("batch_id", Integer, ForeignKey("import_batches.id"), nullable=False)


contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("country", String(2), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("ds", DateTime, nullable=False),  # local time: the day, or the interval's start
    Column("interval_minutes", Integer, nullable=False),  # 1440 for daily totals
    Column("contacts", Float, nullable=False),
    Column("aht_seconds", Float, nullable=True),
    UniqueConstraint("country", "channel", "ds"),
)
# daily totals and last days per queue read from the index alone (data/summaries.py)
Index(
    "ix_contacts_country",
    contacts.c.country,
    contacts.c.channel,
    contacts.c.ds,
    contacts.c.contacts,
)
Index("ix_contacts_ds", contacts.c.ds)

traffic = Table(
    "traffic",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("country", String(2), nullable=False),
    Column("date", Date, nullable=False),
    Column("sessions", Float, nullable=False),
    UniqueConstraint("country", "date"),
)

agents = Table(
    "agents",
    metadata,
    Column("agent_id", String(64), primary_key=True),
    _batch(),
    Column("name", String(200), nullable=True),
    Column("team", String(100), nullable=True),
    Column("country", String(2), nullable=True),
    Column("timezone", String(64), nullable=True),
    Column("contract_hours_per_week", Float, nullable=False),
    Column("channels", String(32), nullable=False),
)

absences = Table(
    "absences",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("agent_id", String(64), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),  # inclusive
    Column("type", String(16), nullable=False),
    UniqueConstraint("agent_id", "start_date", "end_date"),
)

hours = Table(
    "hours",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("agent_id", String(64), nullable=False),
    Column("date", Date, nullable=False),
    Column("hours_worked", Float, nullable=False),
    UniqueConstraint("agent_id", "date"),
)

performance = Table(
    "performance",
    metadata,
    Column("id", Integer, primary_key=True),
    _batch(),
    Column("agent_id", String(64), nullable=False),
    Column("date", Date, nullable=False),
    Column("metric", String(32), nullable=False),
    Column("value", Float, nullable=False),
    UniqueConstraint("agent_id", "date", "metric"),
)

Index("ix_performance_metric_date", performance.c.metric, performance.c.date)


# --- saved forecast runs (issue: forecasting) ------------------------------------------------

forecast_runs = Table(
    "forecast_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(100), nullable=True),
    Column("horizon_days", Integer, nullable=False),
    Column("model", String(16), nullable=False),  # "auto" or the fixed model asked for
    Column("countries", String(400), nullable=False),  # comma-separated ISO codes
    Column("channels", String(100), nullable=False),  # comma-separated
    Column("history_start", Date, nullable=False),
    Column("history_end", Date, nullable=False),
    Column("settings", Text, nullable=False),  # JSON: scenarios, interval minutes, ...
    Column("notes", Text, nullable=False),  # JSON list of the run's visible notes
    Column("drivers", Text, nullable=False),  # JSON list of drivers (holiday effects, trend)
)


def _run() -> Column:
    return Column("run_id", Integer, ForeignKey("forecast_runs.id"), nullable=False)


forecast_run_values = Table(
    "forecast_run_values",
    metadata,
    Column("id", Integer, primary_key=True),
    _run(),
    Column("country", String(2), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("date", Date, nullable=False),
    Column("model", String(16), nullable=False),
    Column("chosen", Boolean, nullable=False),  # the model picked for this series
    Column("forecast", Float, nullable=False),
    Column("lower_80", Float, nullable=False),
    Column("upper_80", Float, nullable=False),
    Column("lower_95", Float, nullable=False),
    Column("upper_95", Float, nullable=False),
    UniqueConstraint("run_id", "country", "channel", "model", "date"),
)

forecast_run_metrics = Table(
    "forecast_run_metrics",
    metadata,
    Column("id", Integer, primary_key=True),
    _run(),
    Column("country", String(2), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("model", String(16), nullable=False),
    Column("chosen", Boolean, nullable=False),
    Column("reason", Text, nullable=True),  # why the chosen model was chosen
    Column("wape", Float, nullable=True),
    Column("mase", Float, nullable=True),
    Column("coverage_80", Float, nullable=True),
    Column("coverage_95", Float, nullable=True),
    Column("folds", Integer, nullable=False),
    Column("seconds", Float, nullable=True),
    UniqueConstraint("run_id", "country", "channel", "model"),
)

# --- wellbeing flags and their HR review (issue: wellbeing) -----------------------------------

flag_evaluations = Table(
    "flag_evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
    Column("evaluated_by", String(100), nullable=False),
    Column("as_of", Date, nullable=False),  # the data's reference day
    Column("agents_scored", Integer, nullable=False),
    Column("flags_raised", Integer, nullable=False),
    Column("flags_updated", Integer, nullable=False),
    Column("thresholds", Text, nullable=False),  # JSON of the thresholds used
)

wellbeing_flags = Table(
    "wellbeing_flags",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agent_id", String(64), nullable=False),
    Column("raised_evaluation_id", Integer, ForeignKey("flag_evaluations.id"), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),  # open, in_review, resolved, dismissed
    Column("state_changed_at", DateTime(timezone=True), nullable=False),
    # The latest evaluation of this flag (history in flag_observations).
    Column("as_of", Date, nullable=False),
    Column("level", String(8), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list of sentences
    Column("signals", Text, nullable=False),  # JSON list of signal names
)
Index("ix_wellbeing_flags_agent_state", wellbeing_flags.c.agent_id, wellbeing_flags.c.state)

flag_observations = Table(
    "flag_observations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("flag_id", Integer, ForeignKey("wellbeing_flags.id"), nullable=False),
    Column("evaluation_id", Integer, ForeignKey("flag_evaluations.id"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("level", String(8), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("signals", Text, nullable=False),
    UniqueConstraint("flag_id", "evaluation_id"),
)

flag_reviews = Table(
    "flag_reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("flag_id", Integer, ForeignKey("wellbeing_flags.id"), nullable=False),
    Column("from_state", String(16), nullable=False),
    Column("to_state", String(16), nullable=False),
    Column("reviewer", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False),
)

# What HR agreed with a review (migration 0009): ``assigned`` rows (assignee, follow-up date,
# agreed action) and ``done`` rows pointing at them; and the time-limited limits set with them,
# which rosters honour. Append-only like ``flag_reviews``; deleted only with their flag.
hr_followups = Table(
    "hr_followups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("flag_id", Integer, ForeignKey("wellbeing_flags.id"), nullable=False),
    Column("review_id", Integer, nullable=True),  # the flag_reviews row it came with
    Column("agent_id", String(64), nullable=False),
    Column("event", String(8), nullable=False),  # assigned, done
    Column("followup_id", Integer, ForeignKey("hr_followups.id"), nullable=True),  # of a done
    Column("assignee", String(200), nullable=True),  # an HR user name
    Column("due_date", Date, nullable=True),
    Column("action", String(24), nullable=True),  # talk, reduce_overtime, change_channel_mix, ...
    Column("note", Text, nullable=False),
    Column("recorded_by", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_hr_followups_flag_id", hr_followups.c.flag_id)

hr_limits = Table(
    "hr_limits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("flag_id", Integer, ForeignKey("wellbeing_flags.id"), nullable=False),
    Column("followup_id", Integer, ForeignKey("hr_followups.id"), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("kind", String(24), nullable=False),  # no_overtime, max_weekly_hours, no_late_shifts
    Column("value", Float, nullable=True),  # hours, for max_weekly_hours
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),  # inclusive
    Column("set_by", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)
Index("ix_hr_limits_agent_id", hr_limits.c.agent_id)

# Settings HR owns (migration 0011), one row per name, ``value`` JSON; every change audited.
hr_settings = Table(
    "hr_settings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False),  # return_to_work_check_ins
    Column("value", Text, nullable=False),  # JSON
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100), nullable=False),
    UniqueConstraint("name"),
)

# Return-to-work check-ins (migration 0011): a person back from a long absence, opened by an
# evaluation when HR turned them on, marked done by HR. Never a flag: no level, score or reason.
return_to_work_check_ins = Table(
    "return_to_work_check_ins",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("agent_id", String(64), nullable=False),
    Column("start_date", Date, nullable=False),  # the absence's first day
    Column("end_date", Date, nullable=False),  # ... and last day, inclusive
    Column("back_on", Date, nullable=False),  # the first weekday after it
    Column("calendar_days", Integer, nullable=False),
    Column("working_days", Integer, nullable=False),
    Column("evaluation_id", Integer, nullable=False),  # that opened it (not a foreign key)
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=True),
    Column("done_by", String(100), nullable=True),
    Column("done_note", Text, nullable=True),
    UniqueConstraint("agent_id", "start_date", "end_date"),
)

#: SQLite's way to let a review go only with its flag (migration 0007): deleting a review
#: adds a row here whose ``guard`` breaks a deferred foreign key (the guard table stays empty)
#: until deleting the flag clears it, so a commit that kept the flag fails.
flag_review_guard = Table("flag_review_guard", metadata, Column("id", Integer, primary_key=True))
flag_review_deletions = Table(
    "flag_review_deletions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("flag_id", Integer, nullable=False),
    Column(
        "guard",
        Integer,
        ForeignKey("flag_review_guard.id", deferrable=True, initially="DEFERRED"),
        nullable=False,
    ),
)

# --- users and the audit log (issue: access control) ------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(200), nullable=False, unique=True),  # local name or OIDC email
    Column("display_name", String(200), nullable=True),
    Column("role", String(16), nullable=False),  # admin, hr, manager, planner
    Column("password_hash", String(255), nullable=True),  # NULL: signs in through OIDC only
    Column("created_at", DateTime(timezone=True), nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(16), nullable=True),
    Column("action", String(32), nullable=False),  # view_agent, review, import, export, ...
    Column("subject", String(200), nullable=True),  # e.g. an agent id, a file name, a user
    Column("detail", Text, nullable=True),
    # The chain (data.access.audit): position, the previous row's hash, and this row's
    # HMAC-SHA256 over both and the columns above. NULL on rows written before the chain.
    Column("chain_seq", Integer, nullable=True),
    Column("chain_prev", String(64), nullable=True),
    Column("chain_hash", String(64), nullable=True),
)
Index("ix_audit_log_at", audit_log.c.at)
Index("ix_audit_log_chain_seq", audit_log.c.chain_seq, unique=True)

#: One row (id 1): the newest chain position and hash. Appending updates it first, which
#: serialises appenders so the chain never forks, and shows a deleted tail.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("last_hash", String(64), nullable=False),
)

#: Password sign-ins, for throttling per user name and per client address (data.users).
sign_in_attempts = Table(
    "sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("username", String(200), nullable=False),
    Column("address", String(64), nullable=True),  # NULL: unknown (a proxy, a test)
    Column("succeeded", Boolean, nullable=False),
)
Index("ix_sign_in_attempts_username_at", sign_in_attempts.c.username, sign_in_attempts.c.at)
Index("ix_sign_in_attempts_address_at", sign_in_attempts.c.address, sign_in_attempts.c.at)

# --- published schedules (issue: the manager's overview) ---------------------------------------

published_schedules = Table(
    "published_schedules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("published_by", String(100), nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("countries", String(400), nullable=False),  # comma-separated ISO codes
    Column("channels", String(100), nullable=False),  # comma-separated
    Column("plan_status", String(16), nullable=False),  # optimal, time_limit, ...
    Column("roster_status", String(16), nullable=True),  # NULL: a shift plan without names
    Column("shortfall_staff_hours", Float, nullable=False),
    Column("labour_cost", Float, nullable=False),
    Column("filled_shifts", Integer, nullable=True),
    Column("unfilled_shifts", Integer, nullable=True),
    Column("settings", Text, nullable=False),  # JSON: opening hours, templates, plan inputs
    Column("note", Text, nullable=True),
)

published_schedule_intervals = Table(
    "published_schedule_intervals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("schedule_id", Integer, ForeignKey("published_schedules.id"), nullable=False),
    Column("country", String(2), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("interval_start", DateTime, nullable=False),  # the queue's local time
    Column("interval_minutes", Integer, nullable=False),
    Column("required_staff", Float, nullable=False),
    Column("planned_staff", Float, nullable=False),  # the shift plan's staff on duty
    Column("rostered_staff", Float, nullable=True),  # named agents on duty; NULL: no roster
    UniqueConstraint("schedule_id", "country", "channel", "interval_start"),
)

published_schedule_shifts = Table(
    "published_schedule_shifts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("schedule_id", Integer, ForeignKey("published_schedules.id"), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("country", String(2), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("date", Date, nullable=False),
    Column("shift", String(100), nullable=False),
    Column("shift_start", DateTime, nullable=False),  # the queue's local time
    Column("shift_end", DateTime, nullable=False),
    Column("break_start", DateTime, nullable=True),
    Column("break_end", DateTime, nullable=True),
    Column("paid_hours", Float, nullable=False),
)
Index("ix_published_schedule_shifts_schedule_id", published_schedule_shifts.c.schedule_id)

# What a planner states about a queue (country x channel) that the history may not hold: the
# handle time, the opening hours and the intraday arrival profile a daily forecast is spread with.
queue_settings = Table(
    "queue_settings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("country", String(2), nullable=False),
    Column("channel", String(8), nullable=False),
    Column("aht_seconds", Float, nullable=True),  # NULL: from the history, else not set
    Column("opening_hours", String(200), nullable=True),  # "Mon-Fri 08:00-20:00; Sun closed"
    Column("profile_source", String(16), nullable=True),  # learnt, builtin, uploaded
    Column("profile", Text, nullable=True),  # JSON rows of an uploaded profile file
    Column("profile_file", String(200), nullable=True),  # the uploaded file's name
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(100), nullable=False),
    UniqueConstraint("country", "channel"),
)

# A user's work in progress (services.drafts): the Staffing page's choices and the Schedule page's
# generated, unpublished schedule, so that a reload or a new sign-in loses neither. One current
# draft per owner and kind; publishing or discarding deletes it.
drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("owner", String(200), nullable=False),  # the user name (users.username)
    Column("kind", String(16), nullable=False),  # staffing_plan, schedule
    Column("payload", Text, nullable=False),  # JSON
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("owner", "kind"),
)

TABLES = {
    "contacts": contacts,
    "traffic": traffic,
    "agents": agents,
    "absences": absences,
    "hours": hours,
    "performance": performance,
}
