"""Variables and stories for the generated CLadder-style suite (our own wording).

Each variable has a name and, for each of its two values, the surface forms the question language
uses: a noun phrase, a sentence, a population ("people who ..."), a short partial form used after
"and", and, for treatments, the counterfactual clause ("if the farmer had not irrigated").
Stories attach variables to the roles X, Y, V1, V2, V3 of one of the ten graph families.
Commonsense stories follow intuition; anti-commonsense ones swap in an unrelated variable; nonsense
ones use made-up words.

The wording follows CLadder's own stories: every form of a variable repeats its head word ("the
soil is dry", "fields with dry soil"), and the two values differ by a negation ("no tutoring") or
by a modifier that every form of that value repeats ("dry" / "moist"). So whichever form a
question uses, the text alone says which variable and which value it names.
"""

from __future__ import annotations

import random
import re
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
    "the field is not irrigated",
    "the field is irrigated",
    "fields without irrigation",
    "irrigated fields",
    "without irrigation",
    "with irrigation",
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
    "harvest",
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
    "the weather is cloudy",
    "the weather is sunny",
    "days with cloudy weather",
    "days with sunny weather",
    "with cloudy weather",
    "with sunny weather",
)
SUNBURN = V(
    "skin",
    "healthy skin",
    "sunburned skin",
    "the hiker's skin is healthy",
    "the hiker's skin is sunburned",
    "hikers with healthy skin",
    "hikers with sunburned skin",
    "with healthy skin",
    "with sunburned skin",
)
TALENT = V(
    "talent",
    "little talent",
    "great talent",
    "the musician has little talent",
    "the musician has great talent",
    "musicians with little talent",
    "musicians with great talent",
    "with little talent",
    "with great talent",
)
PRACTICE = V(
    "practice",
    "little practice",
    "daily practice",
    "the musician has little practice",
    "the musician has daily practice",
    "musicians with little practice",
    "musicians with daily practice",
    "with little practice",
    "with daily practice",
)
ORCHESTRA = V(
    "orchestra seat",
    "no seat in the orchestra",
    "a seat in the orchestra",
    "the musician has no seat in the orchestra",
    "the musician has a seat in the orchestra",
    "musicians without a seat in the orchestra",
    "musicians with a seat in the orchestra",
    "without a seat in the orchestra",
    "with a seat in the orchestra",
)
AGE = V(
    "age",
    "young age",
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
    "the worker gets no job training",
    "the worker gets job training",
    "workers without job training",
    "workers with job training",
    "without job training",
    "with job training",
    "if the worker had not received job training",
    "if the worker had received job training",
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
    "the worker is employed",
    "unemployed workers",
    "employed workers",
    "unemployed",
    "employed",
)
MOTIVATION = V(
    "motivation",
    "low motivation",
    "high motivation",
    "the student has low motivation",
    "the student has high motivation",
    "students with low motivation",
    "students with high motivation",
    "with low motivation",
    "with high motivation",
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
    "the student leaves the homework unfinished",
    "the student finishes the homework",
    "students with unfinished homework",
    "students with finished homework",
    "with unfinished homework",
    "with finished homework",
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
    "no bus pass",
    "a bus pass",
    "the resident has no bus pass",
    "the resident has a bus pass",
    "residents without a bus pass",
    "residents with a bus pass",
    "without a bus pass",
    "with a bus pass",
)
FITNESS_DRIVE = V(
    "health drive",
    "a weak health drive",
    "a strong health drive",
    "the resident has a weak health drive",
    "the resident has a strong health drive",
    "residents with a weak health drive",
    "residents with a strong health drive",
    "with a weak health drive",
    "with a strong health drive",
)
GYM = V(
    "gym visits",
    "no gym visits",
    "regular gym visits",
    "the resident never visits the gym",
    "the resident visits the gym regularly",
    "residents who never visit the gym",
    "residents who visit the gym regularly",
    "who never visit the gym",
    "who visit the gym regularly",
    "if the resident had never visited the gym",
    "if the resident had visited the gym regularly",
)
FITNESS = V(
    "fitness",
    "poor fitness",
    "good fitness",
    "the resident has poor fitness",
    "the resident has good fitness",
    "residents with poor fitness",
    "residents with good fitness",
    "with poor fitness",
    "with good fitness",
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
    "the fruit harvest is small",
    "the fruit harvest is large",
    "gardens with a small fruit harvest",
    "gardens with a large fruit harvest",
    "with a small fruit harvest",
    "with a large fruit harvest",
)
STORM = V(
    "storm",
    "no storm",
    "a storm",
    "no storm hits the town",
    "a storm hits the town",
    "towns not hit by a storm",
    "towns hit by a storm",
    "not hit by a storm",
    "hit by a storm",
    "if no storm had hit the town",
    "if a storm had hit the town",
)
OUTAGE = V(
    "power outage",
    "no power outage",
    "a power outage",
    "the town has no power outage",
    "the town has a power outage",
    "towns without a power outage",
    "towns with a power outage",
    "without a power outage",
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
    "schools",
    "open schools",
    "closed schools",
    "the schools stay open",
    "the schools are closed",
    "towns with open schools",
    "towns with closed schools",
    "with open schools",
    "with closed schools",
)
INCOME = V(
    "family income",
    "low family income",
    "high family income",
    "the family has a low income",
    "the family has a high income",
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
    "weak reading skills",
    "strong reading skills",
    "the child has weak reading skills",
    "the child has strong reading skills",
    "children with weak reading skills",
    "children with strong reading skills",
    "with weak reading skills",
    "with strong reading skills",
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


_FILLER = frozenset(
    ["a", "an", "the", "no", "not", "of", "in", "at", "on", "by", "to", "for", "with"]
    + ["without", "who", "that", "is", "are", "has", "have"]
)


def head_words(var: Var) -> set[str]:
    """The content words of a variable's name: what every surface form of it repeats."""
    return {w for w in re.findall(r"[a-z]+", var.name.lower()) if w not in _FILLER}


def _noun_words(var: Var) -> set[str]:
    return {w for n in (var.name, *var.noun) for w in re.findall(r"[a-z]+", n.lower())} - _FILLER


def _same_stem(a: str, b: str) -> bool:
    short, long_ = sorted((a, b), key=len)
    return len(short) >= 4 and long_.startswith(short)


def confusable(a: Var, b: Var) -> bool:
    """Would a reader mix the two up: a head word of one shares its stem with a word of the other.

    CLadder's anti-commonsense replacements come from a pool of attributes unrelated to every
    story ('has a sister', 'foot size'), so no text names two variables with the same word.
    """
    return any(
        _same_stem(h, w) for x, y in ((a, b), (b, a)) for h in head_words(x) for w in _noun_words(y)
    )


def anticommonsense(story: Story, rng: random.Random) -> Story:
    """Replace the treatment or the outcome by an unrelated variable from another story."""
    role = rng.choice(["X", "Y"])
    others = [v for r, v in story.roles.items() if r != role]
    pool = [
        v
        for s in COMMONSENSE
        if s.id != story.id
        for v in s.roles.values()
        if (role == "Y" or v.condition[0]) and not any(confusable(v, o) for o in others)
    ]
    swap = rng.choice(pool)
    return replace(
        story, id=f"{story.id}-anti", roles={**story.roles, role: swap}, kind="anticommonsense"
    )
