"""Variables and stories for the generated CLadder-style suite (our own wording).

Each variable has a name and, for each of its two values, the surface forms the question language
uses: a noun phrase, a sentence, a population ("people who ..."), a short partial form used after
"and", and, for treatments, the counterfactual clause ("if the farmer had not irrigated").
Stories attach variables to the roles X, Y, V1, V2, V3 of one of the ten graph families.
Commonsense stories follow intuition; anti-commonsense ones swap in an unrelated variable; nonsense
ones use made-up words.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from tools.types import Frozen


class Var(Frozen):
    name: str
    noun: tuple[str, str]  # (value 0, value 1)
    sentence: tuple[str, str]
    where: tuple[str, str]
    partial: tuple[str, str]
    condition: tuple[str, str] = ("", "")


def V(
    name: str,
    noun0: str,
    noun1: str,
    sent0: str,
    sent1: str,
    where0: str,
    where1: str,
    part0: str,
    part1: str,
    cond0: str = "",
    cond1: str = "",
) -> Var:
    return Var(
        name=name,
        noun=(noun0, noun1),
        sentence=(sent0, sent1),
        where=(where0, where1),
        partial=(part0, part1),
        condition=(cond0, cond1),
    )


FAMILIES: dict[str, tuple[tuple[str, str], ...]] = {
    "chain": (("X", "V2"), ("V2", "Y")),
    "fork": (("X", "Y"), ("V2", "Y")),
    "collision": (("X", "V3"), ("Y", "V3")),
    "confounding": (("V1", "X"), ("V1", "Y"), ("X", "Y")),
    "mediation": (("X", "V2"), ("X", "Y"), ("V2", "Y")),
    "frontdoor": (("V1", "X"), ("X", "V3"), ("V1", "Y"), ("V3", "Y")),
    "IV": (("V1", "X"), ("V2", "X"), ("V1", "Y"), ("X", "Y")),
    "arrowhead": (("X", "V3"), ("V2", "V3"), ("X", "Y"), ("V2", "Y"), ("V3", "Y")),
    "diamond": (("X", "V3"), ("X", "V2"), ("V2", "Y"), ("V3", "Y")),
    "diamondcut": (("V1", "V3"), ("V1", "X"), ("X", "Y"), ("V3", "Y")),
}
UNOBSERVED: dict[str, tuple[str, ...]] = {"frontdoor": ("V1",), "IV": ("V1",)}


@dataclass(frozen=True)
class Story:
    id: str
    family: str
    roles: dict[str, Var]
    kind: str = "commonsense"


IRRIGATION = V(
    "irrigation",
    "no irrigation",
    "irrigation",
    "the farmer does not irrigate the field",
    "the farmer irrigates the field",
    "fields without irrigation",
    "irrigated fields",
    "without irrigation",
    "irrigated",
    "if the field had not been irrigated",
    "if the field had been irrigated",
)
MOISTURE = V(
    "soil moisture",
    "dry soil",
    "moist soil",
    "the soil is dry",
    "the soil is moist",
    "fields with dry soil",
    "fields with moist soil",
    "with dry soil",
    "with moist soil",
)
YIELD = V(
    "crop yield",
    "a poor harvest",
    "a good harvest",
    "the harvest is poor",
    "the harvest is good",
    "farms with a poor harvest",
    "farms with a good harvest",
    "with a poor harvest",
    "with a good harvest",
)
SUNSCREEN = V(
    "sunscreen",
    "no sunscreen",
    "sunscreen use",
    "the hiker wears no sunscreen",
    "the hiker wears sunscreen",
    "hikers without sunscreen",
    "hikers who wear sunscreen",
    "without sunscreen",
    "wearing sunscreen",
    "if the hiker had not worn sunscreen",
    "if the hiker had worn sunscreen",
)
SUNNY = V(
    "weather",
    "cloudy weather",
    "sunny weather",
    "the day is cloudy",
    "the day is sunny",
    "cloudy days",
    "sunny days",
    "on cloudy days",
    "on sunny days",
)
SUNBURN = V(
    "skin",
    "healthy skin",
    "sunburn",
    "the hiker's skin is fine",
    "the hiker gets sunburned",
    "hikers with healthy skin",
    "hikers with sunburn",
    "with healthy skin",
    "with sunburn",
)
TALENT = V(
    "musical talent",
    "little musical talent",
    "musical talent",
    "the musician has little talent",
    "the musician is talented",
    "musicians with little talent",
    "talented musicians",
    "with little talent",
    "talented",
)
PRACTICE = V(
    "practice",
    "little practice",
    "daily practice",
    "the musician rarely practices",
    "the musician practices daily",
    "musicians who rarely practice",
    "musicians who practice daily",
    "who rarely practice",
    "who practice daily",
)
ORCHESTRA = V(
    "orchestra membership",
    "rejection by the orchestra",
    "a seat in the orchestra",
    "the musician is not in the orchestra",
    "the musician plays in the orchestra",
    "musicians outside the orchestra",
    "orchestra members",
    "are not in the orchestra",
    "are in the orchestra",
)
AGE = V(
    "age",
    "youth",
    "old age",
    "the patient is young",
    "the patient is old",
    "young patients",
    "old patients",
    "young",
    "old",
)
SUPPLEMENT = V(
    "supplement",
    "no vitamin D supplement",
    "vitamin D supplement",
    "the patient takes no supplement",
    "the patient takes the supplement",
    "patients who take no supplement",
    "patients who take the supplement",
    "taking no supplement",
    "taking the supplement",
    "if the patient had not taken the supplement",
    "if the patient had taken the supplement",
)
BONES = V(
    "bone strength",
    "weak bones",
    "strong bones",
    "the patient has weak bones",
    "the patient has strong bones",
    "patients with weak bones",
    "patients with strong bones",
    "with weak bones",
    "with strong bones",
)
TRAINING = V(
    "training",
    "no job training",
    "job training",
    "the worker skips the training",
    "the worker completes the training",
    "workers without training",
    "workers who completed the training",
    "without training",
    "trained",
    "if the worker had skipped the training",
    "if the worker had completed the training",
)
SKILLS = V(
    "skills",
    "basic skills",
    "advanced skills",
    "the worker has basic skills",
    "the worker has advanced skills",
    "workers with basic skills",
    "workers with advanced skills",
    "with basic skills",
    "with advanced skills",
)
EMPLOYMENT = V(
    "employment",
    "unemployment",
    "employment",
    "the worker is unemployed",
    "the worker finds a job",
    "unemployed workers",
    "employed workers",
    "unemployed",
    "employed",
)
MOTIVATION = V(
    "motivation",
    "low motivation",
    "high motivation",
    "the student is unmotivated",
    "the student is motivated",
    "unmotivated students",
    "motivated students",
    "unmotivated",
    "motivated",
)
TUTORING = V(
    "tutoring",
    "no tutoring",
    "tutoring",
    "the student gets no tutoring",
    "the student gets tutoring",
    "students without tutoring",
    "tutored students",
    "without tutoring",
    "tutored",
    "if the student had not been tutored",
    "if the student had been tutored",
)
HOMEWORK = V(
    "homework",
    "unfinished homework",
    "finished homework",
    "the student skips homework",
    "the student finishes the homework",
    "students who skip homework",
    "students who finish their homework",
    "who skip homework",
    "who finish their homework",
)
GRADES = V(
    "grades",
    "low grades",
    "high grades",
    "the student gets low grades",
    "the student gets high grades",
    "students with low grades",
    "students with high grades",
    "with low grades",
    "with high grades",
)
BUSPASS = V(
    "bus pass",
    "no free bus pass",
    "a free bus pass",
    "the resident has no bus pass",
    "the resident has a free bus pass",
    "residents without a bus pass",
    "residents with a free bus pass",
    "without a bus pass",
    "with a free bus pass",
)
FITNESS_DRIVE = V(
    "health drive",
    "a weak health drive",
    "a strong health drive",
    "the resident cares little about health",
    "the resident cares about health",
    "residents who care little about health",
    "residents who care about health",
    "who care little about health",
    "who care about health",
)
GYM = V(
    "gym visits",
    "no gym visits",
    "regular gym visits",
    "the resident avoids the gym",
    "the resident goes to the gym",
    "residents who avoid the gym",
    "residents who go to the gym",
    "avoiding the gym",
    "going to the gym",
    "if the resident had avoided the gym",
    "if the resident had gone to the gym",
)
FITNESS = V(
    "fitness",
    "poor fitness",
    "good fitness",
    "the resident is unfit",
    "the resident is fit",
    "unfit residents",
    "fit residents",
    "unfit",
    "fit",
)
FERTILIZER = V(
    "fertilizer",
    "no fertilizer",
    "fertilizer",
    "the gardener uses no fertilizer",
    "the gardener uses fertilizer",
    "gardens without fertilizer",
    "fertilized gardens",
    "without fertilizer",
    "fertilized",
    "if the garden had not been fertilized",
    "if the garden had been fertilized",
)
SOIL = V(
    "soil quality",
    "poor soil",
    "rich soil",
    "the garden has poor soil",
    "the garden has rich soil",
    "gardens with poor soil",
    "gardens with rich soil",
    "with poor soil",
    "with rich soil",
)
HEIGHT = V(
    "plant height",
    "short plants",
    "tall plants",
    "the plants stay short",
    "the plants grow tall",
    "gardens with short plants",
    "gardens with tall plants",
    "with short plants",
    "with tall plants",
)
FRUIT = V(
    "fruit harvest",
    "a small fruit harvest",
    "a large fruit harvest",
    "the garden yields little fruit",
    "the garden yields plenty of fruit",
    "gardens with a small harvest",
    "gardens with a large harvest",
    "with a small harvest",
    "with a large harvest",
)
STORM = V(
    "storm",
    "calm weather",
    "a storm",
    "the weather is calm",
    "a storm hits the town",
    "towns with calm weather",
    "towns hit by a storm",
    "with calm weather",
    "hit by a storm",
    "if the weather had been calm",
    "if a storm had hit the town",
)
OUTAGE = V(
    "power supply",
    "working power",
    "a power outage",
    "the power stays on",
    "the power goes out",
    "towns with working power",
    "towns with a power outage",
    "with working power",
    "with a power outage",
)
FLOOD = V(
    "roads",
    "dry roads",
    "flooded roads",
    "the roads stay dry",
    "the roads are flooded",
    "towns with dry roads",
    "towns with flooded roads",
    "with dry roads",
    "with flooded roads",
)
CLOSURE = V(
    "school status",
    "open schools",
    "school closure",
    "the school stays open",
    "the school closes",
    "towns where schools stay open",
    "towns where schools close",
    "where schools stay open",
    "where schools close",
)
INCOME = V(
    "family income",
    "low family income",
    "high family income",
    "the family earns little",
    "the family earns a lot",
    "families with low income",
    "families with high income",
    "with low income",
    "with high income",
)
LIBRARY = V(
    "home library",
    "few books at home",
    "many books at home",
    "the home has few books",
    "the home has many books",
    "homes with few books",
    "homes with many books",
    "with few books",
    "with many books",
)
PRIVATE = V(
    "private lessons",
    "no private lessons",
    "private lessons",
    "the child takes no private lessons",
    "the child takes private lessons",
    "children without private lessons",
    "children with private lessons",
    "without private lessons",
    "with private lessons",
    "if the child had not taken private lessons",
    "if the child had taken private lessons",
)
READING = V(
    "reading skill",
    "weak reading",
    "strong reading",
    "the child reads poorly",
    "the child reads well",
    "children who read poorly",
    "children who read well",
    "who read poorly",
    "who read well",
)

COMMONSENSE: tuple[Story, ...] = (
    Story("irrigation", "chain", {"X": IRRIGATION, "V2": MOISTURE, "Y": YIELD}),
    Story("sunburn", "fork", {"X": SUNSCREEN, "V2": SUNNY, "Y": SUNBURN}),
    Story("orchestra", "collision", {"X": TALENT, "Y": PRACTICE, "V3": ORCHESTRA}),
    Story("supplement", "confounding", {"V1": AGE, "X": SUPPLEMENT, "Y": BONES}),
    Story("job_training", "mediation", {"X": TRAINING, "V2": SKILLS, "Y": EMPLOYMENT}),
    Story("tutoring", "frontdoor", {"V1": MOTIVATION, "X": TUTORING, "V3": HOMEWORK, "Y": GRADES}),
    Story("gym", "IV", {"V1": FITNESS_DRIVE, "V2": BUSPASS, "X": GYM, "Y": FITNESS}),
    Story("garden", "arrowhead", {"X": FERTILIZER, "V2": SOIL, "V3": HEIGHT, "Y": FRUIT}),
    Story("storm", "diamond", {"X": STORM, "V2": OUTAGE, "V3": FLOOD, "Y": CLOSURE}),
    Story("lessons", "diamondcut", {"V1": INCOME, "V3": LIBRARY, "X": PRIVATE, "Y": READING}),
)

_SYLLABLES = [
    "ba",
    "be",
    "bo",
    "bu",
    "da",
    "de",
    "di",
    "do",
    "fa",
    "fe",
    "fi",
    "ka",
    "ke",
    "ko",
    "ku",
    "la",
    "le",
    "li",
    "lo",
    "lu",
    "ma",
    "me",
    "mi",
    "mo",
    "nu",
    "pa",
    "pe",
    "po",
    "ra",
    "re",
    "ri",
    "ro",
    "sa",
    "se",
    "si",
    "so",
    "ta",
    "te",
    "ti",
    "to",
    "va",
    "ve",
    "vi",
    "vo",
    "za",
    "ze",
    "zi",
    "zo",
]


def nonsense_var(rng: random.Random, used: set[str]) -> Var:
    """A variable named by a made-up word, with forms built the same way for every value."""
    while True:
        word = rng.choice(_SYLLABLES) + rng.choice(_SYLLABLES) + rng.choice("klmnrstx")
        if word not in used:
            used.add(word)
            break
    return V(
        word,
        f"not {word}",
        word,
        f"the individual is not {word}",
        f"the individual is {word}",
        f"individuals who are not {word}",
        f"individuals who are {word}",
        f"not {word}",
        word,
        f"if the individual had not been {word}",
        f"if the individual had been {word}",
    )


def nonsense(story: Story, rng: random.Random) -> Story:
    used: set[str] = set()
    return replace(
        story,
        id=f"{story.id}-nonsense",
        roles={r: nonsense_var(rng, used) for r in story.roles},
        kind="nonsense",
    )


def anticommonsense(story: Story, rng: random.Random) -> Story:
    """Replace the treatment or the outcome by an unrelated variable from another story."""
    role = rng.choice(["X", "Y"])
    taken = {v.name for v in story.roles.values()}
    pool = [
        v
        for s in COMMONSENSE
        if s.id != story.id
        for r, v in s.roles.items()
        if v.name not in taken and (role == "Y" or v.condition[0])
    ]
    swap = rng.choice(pool)
    return replace(
        story, id=f"{story.id}-anti", roles={**story.roles, role: swap}, kind="anticommonsense"
    )
