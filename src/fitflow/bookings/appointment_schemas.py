from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from fitflow.kit.schemas import Instant, Strict
from fitflow.organizations.policy import WEEKDAYS, Weekday


class WindowBody(Strict):
    weekday: Weekday
    starts: time = Field(description="Local wall-clock time, HH:MM")
    ends: time = Field(description="Local wall-clock time, HH:MM, after starts")

    @model_validator(mode="after")
    def _sensible(self) -> WindowBody:
        for moment in (self.starts, self.ends):
            if moment.tzinfo is not None or moment.second or moment.microsecond:
                raise ValueError("starts and ends are local whole minutes (HH:MM)")
        if self.ends <= self.starts:
            raise ValueError("ends must be after starts")
        return self

    @property
    def weekday_number(self) -> int:
        return WEEKDAYS.index(self.weekday)


class AvailabilityPut(Strict):
    windows: list[WindowBody] = Field(max_length=100)


class ExceptionCreate(Strict):
    starts_at: Instant
    ends_at: Instant
    reason: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ExceptionCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class ExceptionRead(BaseModel):
    id: uuid.UUID
    starts_at: datetime
    ends_at: datetime
    reason: str | None


class AvailabilityRead(BaseModel):
    trainer_id: uuid.UUID
    windows: list[WindowBody]
    away: list[ExceptionRead] = Field(description="Time away from now on")


class Slots(BaseModel):
    trainer_id: uuid.UUID
    class_type_id: uuid.UUID
    duration_minutes: int
    starts: list[datetime]


class AppointmentCreate(Strict):
    class_type_id: uuid.UUID
    trainer_id: uuid.UUID
    starts_at: Instant
