"""The eligibility engine: pure functions over plain data, no database and no web.

``evaluate(event, candidate, context)`` returns every problem that stops an entry from being submitted,
each with a stable ``code``, the ``field`` at fault (``members[1].person_id``, ``coaches[0].person_id``,
``team_name``, ``members``, ``coaches``, ``event_id``) and a message in words a school coordinator
understands. An empty list means the entry may be submitted.

Rules, in the order they are reported:

1. the competition takes registrations (status ``registration_open``) and now lies within the event's
   registration window; a resubmission (after the organizer returned the entry) is accepted after the
   window has closed as long as the competition has not started;
2. the school's type is one the event admits (``school_types``);
3. team composition: a team name for team events, ``min_members``..``max_members`` competitors, at most
   ``max_coaches`` coaches, nobody listed twice, nobody both competitor and coach;
4. every competitor and coach is on the school's roster; coaches are teachers;
5. each competitor: allowed status (current student, or graduate within N years of the reference year),
   age within ``min_age``..``max_age`` on the reference date, not already entered in the event, not a
   prior national winner of the same occupation (when the event excludes them);
6. the school's quota of places in the event is not exhausted.

``server.registration.facts.gather`` collects the facts from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Mapping, Sequence

CHINA_TIME = timezone(timedelta(hours=8), "CST")
STATUS_WORDS = {"student": "a current student", "graduate": "a graduate", "teacher": "a teacher"}
COMPETITION_STATUS_WORDS = {
    "draft": "not yet published",
    "registration_open": "open for registration",
    "registration_closed": "closed for registration",
    "running": "under way",
    "results_published": "finished (results published)",
    "archived": "archived",
}
SCHOOL_TYPE_WORDS = {"vocational": "职业院校 (vocational schools)", "technical": "技工院校 (technical schools)"}
STARTED = ("running", "results_published", "archived")


@dataclass(frozen=True)
class Rules:
    """The event's eligibility rules (a plain copy of competitions' ``EligibilityRules``)."""

    min_age: int | None = None
    max_age: int | None = None
    age_reference_date: date | None = None
    person_statuses: tuple[str, ...] = ("student",)
    graduated_within_years: int | None = None
    school_types: tuple[str, ...] | None = None
    exclude_prior_national_winners: bool = False


@dataclass(frozen=True)
class EventFacts:
    id: int
    name: str
    team: bool
    min_members: int
    max_members: int
    max_coaches: int
    quota_per_school: int | None
    registration_opens: datetime | None
    registration_closes: datetime | None
    competition_status: str
    competition_year: int
    occupation_code: str | None
    occupation_name: str | None
    rules: Rules = field(default_factory=Rules)


@dataclass(frozen=True)
class SchoolFacts:
    id: int
    name: str
    school_type: str | None


@dataclass(frozen=True)
class PersonFacts:
    id: int
    name: str
    school_id: int
    status: str
    birth_date: date
    graduation_year: int | None


@dataclass(frozen=True)
class Candidate:
    """The entry as it would be submitted. ``members``/``coaches`` are person ids in order; ``people``
    holds the facts of those found (a missing id is not on record)."""

    school: SchoolFacts
    team_name: str | None
    members: Sequence[int]
    coaches: Sequence[int]
    people: Mapping[int, PersonFacts]
    resubmission: bool = False


@dataclass(frozen=True)
class Context:
    now: datetime
    # person id -> the other entry (id) holding a place for them in this event
    entered_elsewhere: Mapping[int, int] = field(default_factory=dict)
    # places the school already holds in the event, not counting this entry
    school_places_taken: int = 0
    # person id -> description of a national award in the same occupation
    prior_national_wins: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Problem:
    code: str
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "field": self.field, "message": self.message}


def rules_from(document: Any) -> Rules:
    """Rules from a decoded ``EligibilityRules`` (or any object/dict with those attributes); missing
    attributes fall back to the defaults, so an older or newer rule shape degrades gracefully."""
    if document is None:
        return Rules()
    get = document.get if isinstance(document, Mapping) else lambda k, d=None: getattr(document, k, d)
    statuses = get("person_statuses", None)
    school_types = get("school_types", None)
    return Rules(
        min_age=get("min_age", None),
        max_age=get("max_age", None),
        age_reference_date=get("age_reference_date", None),
        person_statuses=tuple(statuses) if statuses is not None else ("student",),
        graduated_within_years=get("graduated_within_years", None),
        school_types=tuple(school_types) if school_types is not None else None,
        exclude_prior_national_winners=bool(get("exclude_prior_national_winners", False)),
    )


def age_on(born: date, day: date) -> int:
    """Age in whole years on ``day`` (a birthday on ``day`` counts)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def reference_date(event: EventFacts, now: datetime) -> date:
    """The date ages are taken on: the rule's date, else the close of registration, else today."""
    if event.rules.age_reference_date is not None:
        return event.rules.age_reference_date
    if event.registration_closes is not None:
        return event.registration_closes.astimezone(CHINA_TIME).date()
    return now.astimezone(CHINA_TIME).date()


def _when(moment: datetime) -> str:
    return moment.astimezone(CHINA_TIME).strftime("%Y-%m-%d %H:%M") + " (Beijing time)"


def check_window(event: EventFacts, candidate: Candidate, now: datetime) -> list[Problem]:
    status = event.competition_status
    if candidate.resubmission and status in ("registration_open", "registration_closed"):
        return []
    if status != "registration_open":
        words = COMPETITION_STATUS_WORDS.get(status, status)
        return [Problem("registration_not_open", "event_id",
                        f"The competition is {words}; entries for {event.name} cannot be submitted now.")]
    if event.registration_opens is not None and now < event.registration_opens:
        return [Problem("registration_not_started", "event_id",
                        f"Registration for {event.name} opens on {_when(event.registration_opens)}.")]
    if event.registration_closes is not None and now > event.registration_closes:
        return [Problem("registration_closed", "event_id",
                        f"Registration for {event.name} closed on {_when(event.registration_closes)}.")]
    return []


def check_school_type(event: EventFacts, school: SchoolFacts) -> list[Problem]:
    allowed = event.rules.school_types
    if allowed is None or school.school_type in allowed:
        return []
    admitted = " and ".join(SCHOOL_TYPE_WORDS.get(t, t) for t in allowed) or "no school type"
    own = SCHOOL_TYPE_WORDS.get(school.school_type or "", "a school of unknown type")
    return [Problem("school_type_not_allowed", "school_id",
                    f"{event.name} admits {admitted} only; {school.name} is one of the {own}.")]


def check_composition(event: EventFacts, candidate: Candidate) -> list[Problem]:
    problems: list[Problem] = []
    if event.team and not (candidate.team_name or "").strip():
        problems.append(Problem("team_name_required", "team_name", f"{event.name} is a team event: give the team a name."))
    count = len(candidate.members)
    kind = "team" if event.team else "individual"
    if count < event.min_members:
        problems.append(Problem("too_few_members", "members",
                                f"{event.name} ({kind}) needs at least {event.min_members} competitor(s); "
                                f"this entry has {count}."))
    if count > event.max_members:
        problems.append(Problem("too_many_members", "members",
                                f"{event.name} ({kind}) takes at most {event.max_members} competitor(s); "
                                f"this entry has {count}."))
    if len(candidate.coaches) > event.max_coaches:
        problems.append(Problem("too_many_coaches", "coaches",
                                f"{event.name} allows at most {event.max_coaches} coach(es); this entry names "
                                f"{len(candidate.coaches)}."))
    return problems


def check_people(event: EventFacts, candidate: Candidate, context: Context) -> list[Problem]:
    """Roster, duplicates, coach status and each competitor's personal rules."""
    problems: list[Problem] = []
    school = candidate.school
    ref = reference_date(event, context.now)
    seen: dict[int, str] = {}
    for role, ids in (("members", candidate.members), ("coaches", candidate.coaches)):
        for i, person_id in enumerate(ids):
            where = f"{role}[{i}].person_id"
            person = candidate.people.get(person_id)
            if person is None or person.school_id != school.id:
                problems.append(Problem("not_on_roster", where,
                                        f"Person {person_id} is not on {school.name}'s roster."))
                continue
            if person_id in seen:
                first = seen[person_id]
                code = "duplicate_member" if role == "members" and first.startswith("members") else "coach_is_competitor"
                text = (f"{person.name} is listed twice." if code == "duplicate_member"
                        else f"{person.name} cannot be both a competitor and a coach of the same entry.")
                problems.append(Problem(code, where, text))
                continue
            seen[person_id] = where
            if role == "coaches":
                if person.status != "teacher":
                    problems.append(Problem("coach_not_teacher", where,
                                            f"{person.name} is recorded as {STATUS_WORDS.get(person.status, person.status)}; "
                                            f"only teachers of {school.name} can coach."))
                continue
            problems.extend(competitor_problems(event, person, context, where, ref))
    return problems


def competitor_problems(event: EventFacts, person: PersonFacts, context: Context,
                        where: str = "members[0].person_id", ref: date | None = None) -> list[Problem]:
    """One competitor's own rules: status, recent graduation, age, one entry per event, prior winners."""
    problems: list[Problem] = []
    rules = event.rules
    ref = ref or reference_date(event, context.now)
    allowed = rules.person_statuses
    if person.status not in allowed:
        words = " or ".join(STATUS_WORDS.get(s, s) for s in allowed) or "nobody"
        problems.append(Problem("status_not_allowed", where,
                                f"{person.name} is recorded as {STATUS_WORDS.get(person.status, person.status)}; "
                                f"{event.name} takes {words} only."))
    elif person.status == "graduate" and rules.graduated_within_years is not None:
        ref_year = rules.age_reference_date.year if rules.age_reference_date else event.competition_year
        earliest = ref_year - rules.graduated_within_years
        if person.graduation_year is None:
            problems.append(Problem("graduation_year_missing", where,
                                    f"{person.name} is a graduate without a graduation year on record; add it to "
                                    "the person's record first."))
        elif person.graduation_year < earliest:
            problems.append(Problem("graduated_too_long_ago", where,
                                    f"{person.name} graduated in {person.graduation_year}; {event.name} takes "
                                    f"graduates of {earliest} or later."))
    if rules.min_age is not None or rules.max_age is not None:
        age = age_on(person.birth_date, ref)
        span = (f"aged {rules.min_age} to {rules.max_age}" if rules.min_age is not None and rules.max_age is not None
                else f"aged {rules.min_age} or older" if rules.min_age is not None
                else f"aged {rules.max_age} or younger")
        if rules.min_age is not None and age < rules.min_age:
            problems.append(Problem("too_young", where,
                                    f"{person.name} is {age} on {ref.isoformat()}; {event.name} takes competitors {span}."))
        elif rules.max_age is not None and age > rules.max_age:
            problems.append(Problem("too_old", where,
                                    f"{person.name} is {age} on {ref.isoformat()}; {event.name} takes competitors {span}."))
    other = context.entered_elsewhere.get(person.id)
    if other is not None:
        problems.append(Problem("already_entered", where,
                                f"{person.name} is already entered in {event.name} (entry {other}); a person "
                                "enters an event once."))
    if rules.exclude_prior_national_winners and person.id in context.prior_national_wins:
        problems.append(Problem("prior_national_winner", where,
                                f"{person.name} already won a national award in "
                                f"{event.occupation_name or 'this occupation'} ({context.prior_national_wins[person.id]}); "
                                "prior national winners may not enter."))
    return problems


def check_quota(event: EventFacts, school: SchoolFacts, context: Context) -> list[Problem]:
    quota = event.quota_per_school
    if quota is None or context.school_places_taken < quota:
        return []
    return [Problem("school_quota_full", "event_id",
                    f"{school.name} has used all {quota} of its place(s) in {event.name} "
                    f"({context.school_places_taken} entries submitted or approved). Withdraw one to free a place.")]


def evaluate(event: EventFacts, candidate: Candidate, context: Context) -> list[Problem]:
    """Every problem at once, in a stable order (event, school, composition, people, quota)."""
    return [
        *check_window(event, candidate, context.now),
        *check_school_type(event, candidate.school),
        *check_composition(event, candidate),
        *check_people(event, candidate, context),
        *([] if candidate.resubmission else check_quota(event, candidate.school, context)),
    ]
