"""What the framework tests ask for: one structured type, one tool, and checks on their values."""

from __future__ import annotations

from pydantic import BaseModel, Field


class City(BaseModel):
    """A city, as a framework's structured output."""

    name: str = Field(description="The city's name")
    country: str = Field(description="The country the city is in")
    population: int = Field(ge=0)


class Trip(BaseModel):
    """A nested type: schemas with $defs and arrays must come back valid too."""

    cities: list[City] = Field(min_length=2)
    days: int = Field(ge=1, le=30)


PROMPT = "Tell me about Paris"
WEATHER_QUESTION = "What is the weather in Paris?"


def weather(city: str, unit: str = "celsius") -> str:
    """Current weather for a city."""
    return f"sunny in {city}, 21 degrees {unit}"


def looks_like_a_place(value: object) -> bool:
    """The mock answers a `city` with a city name (one capitalised word), not random words."""
    return isinstance(value, str) and value.isalpha() and value[:1].isupper()
