"""The directory's tables: organisations, their services, and the areas each service covers.

Lists (needs, who for, languages, topics) are kept as `;`-separated text because they are always
read whole with their service; areas get their own table because searches select by them. Every
table is prefixed `directory_`, so it sits beside Rasa's `events` table in the same database.
"""

import logging
from typing import Tuple

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import declarative_base, relationship

from bot.database.schema import METADATA

logger = logging.getLogger(__name__)

Base = declarative_base(metadata=METADATA)

LIST_SEPARATOR = ";"


def join_list(values: Tuple[str, ...]) -> str:
    """The stored form of a list of tags."""
    return LIST_SEPARATOR.join(values)


def split_list(text: str) -> Tuple[str, ...]:
    """A stored list back as a tuple, empty entries dropped."""
    return tuple(part.strip() for part in (text or "").split(LIST_SEPARATOR) if part.strip())


class Organisation(Base):  # type: ignore[misc,valid-type]
    """An organisation that runs one or more services."""

    __tablename__ = "directory_organisations"

    id = Column(Integer, primary_key=True)
    name = Column(String(200), nullable=False, unique=True)
    services = relationship("Service", back_populates="organisation")


class Service(Base):  # type: ignore[misc,valid-type]
    """One service a survivor can contact. `key` is the charity's own id, stable across imports."""

    __tablename__ = "directory_services"

    id = Column(Integer, primary_key=True)
    key = Column(String(64), nullable=False, unique=True)
    organisation_id = Column(Integer, ForeignKey("directory_organisations.id"), nullable=False)
    name = Column(String(200), nullable=False)
    description = Column(String(500), nullable=False)
    needs = Column(String(300), nullable=False)
    who_for = Column(String(300), nullable=False, default="")
    languages = Column(String(500), nullable=False, default="")
    topics = Column(String(300), nullable=False, default="")
    phone = Column(String(40), nullable=False, default="")
    text_number = Column(String(40), nullable=False, default="")
    web_chat = Column(String(300), nullable=False, default="")
    website = Column(String(300), nullable=False, default="")
    hours = Column(String(300), nullable=False, default="")
    national = Column(Boolean, nullable=False, default=False)
    verified_on = Column(Date, nullable=False)
    source = Column(Text, nullable=False)
    sample = Column(Boolean, nullable=False, default=False)

    organisation = relationship("Organisation", back_populates="services")
    areas = relationship("ServiceArea", cascade="all, delete-orphan", back_populates="service")


class ServiceArea(Base):  # type: ignore[misc,valid-type]
    """A service covers an area, named by its coverage key ("borough:Lambeth", "county:Kent", "uk")."""

    __tablename__ = "directory_service_areas"
    __table_args__ = (Index("ix_directory_service_areas_area_key", "area_key"),)

    service_id = Column(Integer, ForeignKey("directory_services.id", ondelete="CASCADE"), primary_key=True)
    area_key = Column(String(120), primary_key=True)
    service = relationship("Service", back_populates="areas")
