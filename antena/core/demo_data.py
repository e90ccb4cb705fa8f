"""Realistic demo data: Spanish names, Mexican phones, addresses; deterministic for a given seed."""

from __future__ import annotations

import random
from dataclasses import dataclass

from antena.core.text import fold

FIRST = [
    "Juan", "María", "José", "Guadalupe", "Francisco", "Ana", "Luis", "Verónica", "Carlos", "Rosa",
    "Miguel", "Patricia", "Jorge", "Alejandra", "Pedro", "Gabriela", "Ricardo", "Sofía", "Fernando",
    "Lucía", "Raúl", "Mónica", "Héctor", "Teresa", "Arturo", "Claudia", "Sergio", "Elena", "Jesús",
    "Adriana", "Roberto", "Leticia", "Manuel", "Beatriz", "Ramón", "Silvia", "Óscar", "Irene",
]
LAST = [
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez", "Ramírez",
    "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres", "Díaz", "Gutiérrez",
    "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero", "Álvarez", "Méndez",
    "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera", "Medina", "Castro", "Vargas", "Peña",
    "Núñez", "Ibáñez",
]
STREETS = [
    "Av. Juárez", "Calle Hidalgo", "Calle Morelos", "Av. Reforma", "Calle Allende", "Calle Zaragoza",
    "Av. Insurgentes", "Calle Guerrero", "Calle 5 de Mayo", "Calle Madero", "Calle Niños Héroes",
]
AREA_CODES = ["55", "33", "81", "222", "442", "477", "999", "614"]


@dataclass(frozen=True)
class Person:
    name: str
    phone: str
    email: str | None
    address: str


def people(count: int, seed: int = 7) -> list[Person]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        first = rng.choice(FIRST)
        name = f"{first} {rng.choice(LAST)} {rng.choice(LAST)}"
        area = rng.choice(AREA_CODES)
        rest = str(rng.randint(2, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(9 - len(area)))
        phone = f"{area} {rest[:4]} {rest[4:]}" if len(area) == 2 else f"{area} {rest[:3]} {rest[3:]}"
        email = f"{fold(first)}.{i}@example.com" if rng.random() < 0.5 else None
        address = f"{rng.choice(STREETS)} {rng.randint(1, 999)}"
        out.append(Person(name, phone, email, address))
    return out
