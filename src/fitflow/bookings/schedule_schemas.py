from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from fitflow.bookings.models import ClassSchedule
from fitflow.classes.schemas import Capacity
from fitflow.kit.schemas import Patch, Strict

Rule = Annotated[
    str,
    Field(
        min_length=6,
        max_length=500,
        description="An RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO,WE",
    ),
]
Title = Annotated[str, Field(min_length=1, max_length=200)]
StartTime = Annotated[time, Field(description="Local wall-clock time, HH:MM")]


def _sensible_day(value: date | None) -> date | None:
    if value is not None and not 2000 <= value.year <= 2100:
        raise ValueError("first_day must fall between the years 2000 and 2100")
    return value


def _whole_minute(value: time | None) -> time | None:
    if value is not None and (value.tzinfo is not None or value.second or value.microsecond):
        raise ValueError("start_time is a local time in whole minutes (HH:MM), without offset")
    return value


class ScheduleCreate(Strict):
    class_type_id: uuid.UUID
    rrule: Rule
    first_day: date = Field(description="The first local day the rule may fall on")
    start_time: StartTime
    trainer_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    capacity: Capacity | None = None
    title: Title | None = None

    _minute = field_validator("start_time")(_whole_minute)
    _day = field_validator("first_day")(_sensible_day)


class ScheduleUpdate(Patch):
    not_nullable = frozenset({"rrule", "first_day", "start_time"})

    rrule: Rule | None = None
    first_day: date | None = None
    start_time: StartTime | None = None
    trainer_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    capacity: Capacity | None = None
    title: Title | None = None

    _minute = field_validator("start_time")(_whole_minute)
    _day = field_validator("first_day")(_sensible_day)


class ScheduleRead(BaseModel):
    id: uuid.UUID
    class_type_id: uuid.UUID
    rrule: str
    first_day: date
    start_time: time
    trainer_id: uuid.UUID | None
    location_id: uuid.UUID | None
    capacity: int | None
    title: str | None
    materialised_until: datetime | None
    ended_at: datetime | None
    created_at: datetime
    sessions_created: int = Field(0, description="Sessions this call wrote")
    days_skipped: list[date] = Field(
        default_factory=list, description="Days not written: the trainer teaches then"
    )
    sessions_kept: list[uuid.UUID] = Field(
        default_factory=list,
        description="Future sessions with bookings that an edit left as they were",
    )

    @classmethod
    def of(cls, row: ClassSchedule, **outcome: object) -> ScheduleRead:
        return cls.model_validate({**_fields(row), **outcome})


def _fields(row: ClassSchedule) -> dict[str, object]:
    return {name: getattr(row, name) for name in ScheduleRead.model_fields if hasattr(row, name)}
