"""Generate a synthetic but realistic reviewsite project with N papers, for benchmarks.

    .venv/bin/python bench/generate.py 1000 bench/out/p1000

Everything is clearly synthetic: PMIDs are 9xxxxxxx (90000001 upwards; the review is 90000000), every
title starts with "[synthetic]", DOIs use the 10.5555 test prefix and trial IDs are NCT99xxxxxx. The
content is valid under the schema (`reviewsite check` passes) and shaped like a real site: PubMed-like
title, author-list and abstract lengths; the eight fixed mechanisms and ten fixed strategies, whose
evidence items and summaries cite papers; about a quarter of the papers curated, linked to mechanisms
and strategies through `curation.mechanisms` / `curation.strategies`. Output is a pure function of
(N, seed).
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
REVIEW_PMID = 90_000_000
FIRST_PMID = 90_000_001

MECHANISMS = [
    ("cd19-genetic-loss", "CD19 loss through mutation and alternative splicing", "antigen-escape"),
    ("lineage-switch", "Lineage switch to myeloid leukaemia", "antigen-escape"),
    ("antigen-masking", "Antigen masking by CAR transduction of leukaemic cells", "antigen-escape"),
    ("antigen-modulation", "Low antigen density and trogocytosis", "antigen-escape"),
    ("limited-persistence", "Limited persistence of CAR T cells", "t-cell-dysfunction"),
    ("t-cell-exhaustion", "T-cell exhaustion and tonic signalling", "t-cell-dysfunction"),
    ("tumour-microenvironment", "Immunosuppressive tumour microenvironment", "microenvironment"),
    ("manufacturing-failure", "Manufacturing failure and product quality", "manufacturing"),
]
STRATEGIES = [
    ("multi-antigen-targeting", "Dual or multi-antigen targeting", "early-trial", [0, 1, 3]),
    ("cd22-car", "CD22-directed CAR T cells", "early-trial", [0, 3]),
    ("humanised-binders", "Humanised CAR binders", "early-trial", [4]),
    ("lymphodepletion", "Optimised lymphodepletion", "approved", [4]),
    ("defined-composition", "Products of defined CD4:CD8 composition", "late-trial", [4, 7]),
    ("consolidative-hsct", "Consolidative stem-cell transplantation", "late-trial", [0, 1, 4]),
    ("combination-therapy", "Combination with checkpoint or kinase inhibitors", "early-trial", [5, 6]),
    ("manufacturing-improvements", "Shorter and more robust manufacturing", "early-trial", [7, 5]),
    ("allogeneic-car-t", "Allogeneic off-the-shelf CAR T cells", "early-trial", [7]),
    ("car-design", "Costimulatory domain, hinge and signalling engineering", "preclinical", [5, 3, 4]),
]
STAGES_BY_STRATEGY = {s[0]: s[2] for s in STRATEGIES}

JOURNALS = [
    ("Blood", "Blood"),
    ("Nature medicine", "Nat Med"),
    ("The New England journal of medicine", "N Engl J Med"),
    ("Journal of clinical oncology : official journal of the American Society of Clinical Oncology", "J Clin Oncol"),
    ("Blood advances", "Blood Adv"),
    ("Leukemia", "Leukemia"),
    ("Cancer discovery", "Cancer Discov"),
    ("Journal for immunotherapy of cancer", "J Immunother Cancer"),
    ("Frontiers in immunology", "Front Immunol"),
    ("Haematologica", "Haematologica"),
    ("Molecular therapy : the journal of the American Society of Gene Therapy", "Mol Ther"),
    ("Cancer cell", "Cancer Cell"),
    ("Science translational medicine", "Sci Transl Med"),
    ("The Lancet. Oncology", "Lancet Oncol"),
    ("Bone marrow transplantation", "Bone Marrow Transplant"),
]
FAMILY = [
    "Smith", "Wang", "Li", "Zhang", "Müller", "García", "Kim", "Nguyen", "Rossi", "Johnson", "Brown", "Chen",
    "Liu", "Kowalski", "Andersson", "Yamamoto", "Okafor", "Novak", "Dubois", "Silva", "Petrov", "Cohen", "Singh",
    "O'Brien", "van der Berg", "Fernández", "Nakamura", "Schmidt", "Lefèvre", "Haddad", "Ivanova", "Martin",
]
GIVEN = [
    "Anna", "James", "Wei", "Maria", "Juan Carlos", "Hiroshi", "Chiara", "David", "Fatima", "Olga", "Peter J",
    "Li-Na", "Ahmed", "Sophie", "Tomasz", "Ngozi", "Erik", "Mei", "Lucas", "Sarah E", "Rajesh", "Elena",
]
DISEASES = ["B-ALL", "LBCL", "CLL", "FL", "MCL", "MM"]
ANTIGENS = ["CD19", "CD22", "CD20", "BCMA", "CD79b"]
PRODUCTS = ["tisagenlecleucel", "axicabtagene ciloleucel", "lisocabtagene maraleucel", "brexucabtagene autoleucel"]
EVIDENCE_KINDS = ["randomised-trial", "single-arm-trial", "observational", "meta-analysis", "case-report",
                  "preclinical-in-vivo", "preclinical-in-vitro"]  # the default vocabulary (settings.py)
CONTEXTS = ["B-ALL, children and young adults", "B-ALL, adults", "LBCL, adults", "CLL", "mouse xenograft (B-ALL)"]
PUB_TYPES = [
    ["Journal Article"],
    ["Journal Article", "Research Support, N.I.H., Extramural"],
    ["Clinical Trial, Phase I", "Journal Article"],
    ["Clinical Trial, Phase II", "Journal Article", "Multicenter Study"],
    ["Journal Article", "Review"],
    ["Letter"],
]
MESH = [
    "Receptors, Chimeric Antigen", "Immunotherapy, Adoptive", "Antigens, CD19", "Precursor Cell Lymphoblastic "
    "Leukemia-Lymphoma", "Lymphoma, Large B-Cell, Diffuse", "T-Lymphocytes", "Humans", "Child", "Adult",
    "Neoplasm Recurrence, Local", "Drug Resistance, Neoplasm", "Tumor Microenvironment", "Mice",
]
_VOCABULARY = (
    "chimeric antigen receptor T cells patients relapsed refractory leukaemia lymphoma response remission "
    "durable persistence expansion infusion cohort median months survival progression-free antigen CD19 CD22 "
    "expression loss escape splicing mutation exhaustion costimulatory 4-1BB CD28 signalling cytokine release "
    "syndrome neurotoxicity lymphodepletion fludarabine cyclophosphamide manufacturing product transduction "
    "vector lentiviral apheresis phenotype memory effector naive central stem-like differentiation tumour "
    "microenvironment myeloid suppressor regulatory checkpoint PD-1 blockade trogocytosis density threshold "
    "binder single-chain variable fragment humanised murine immunogenicity rejection allogeneic donor editing "
    "trial phase multicentre single-arm retrospective prospective analysis observed associated with higher lower "
    "increased decreased compared between after before during treatment therapy outcome rate event-free overall "
    "minimal residual disease flow cytometry sequencing single-cell transcriptomic profiling mouse model "
    "xenograft in vitro in vivo killing cytotoxicity proliferation bridging transplantation consolidation"
)
WORDS = _VOCABULARY.split()
LABELS = ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"]
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def sentence(rng: random.Random, lo: int = 12, hi: int = 30) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 99)}%")
    if rng.random() < 0.4:
        words.insert(rng.randrange(len(words)), f"(n = {rng.randint(8, 450)})")
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def title(rng: random.Random) -> str:
    """PubMed titles: typically 80-200 characters."""
    body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 24)))
    return f"[synthetic] {body[0].upper()}{body[1:]}"


def author(rng: random.Random) -> dict[str, str]:
    if rng.random() < 0.02:
        return {"collective": f"Synthetic CAR T Study Group {rng.randint(1, 40)}"}
    given = rng.choice(GIVEN)
    initials = "".join(part[0] for part in given.replace("-", " ").split())
    return {"family": rng.choice(FAMILY), "given": given, "initials": initials}


def authors(rng: random.Random) -> list[dict[str, str]]:
    """Author counts: median about 8, a long tail of big consortia papers."""
    count = min(int(rng.lognormvariate(2.0, 0.7)) + 1, 60)
    return [author(rng) for _ in range(count)]


def abstract(rng: random.Random) -> list[dict[str, str]]:
    """About 200-300 words; half structured like PubMed's labelled abstracts; letters have none."""
    roll = rng.random()
    if roll < 0.08:
        return []
    if roll < 0.55:
        return [{"label": label, "text": paragraph(rng, rng.randint(2, 3))} for label in LABELS]
    return [{"text": paragraph(rng, rng.randint(8, 11))}]


def cite(pmid: int) -> str:
    return f"pmid:{pmid}"


def dump(path: Path, schema: str, data: dict[str, Any]) -> None:
    text = yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    path.write_text(f"# yaml-language-server: $schema=../../schemas/{schema}.schema.json\n{text}", encoding="utf-8")


def paper(rng: random.Random, pmid: int, n: int) -> dict[str, Any]:
    year = rng.randint(2012, 2025)
    month = rng.randint(1, 12)
    journal, abbrev = rng.choice(JOURNALS)
    record: dict[str, Any] = {"pmid": str(pmid)}
    if rng.random() < 0.4:
        record["pmcid"] = f"PMC{99_000_000 + pmid - FIRST_PMID}"
    if rng.random() < 0.9:
        record["doi"] = f"10.5555/synthetic.{pmid}"
    record |= {
        "title": title(rng),
        "authors": authors(rng),
        "journal": journal,
        "journal_abbrev": abbrev,
        "published": f"{year}-{month:02d}",
        "volume": str(rng.randint(1, 140)),
        "issue": str(rng.randint(1, 24)),
        "pages": f"{(start := rng.randint(1, 4000))}-{start + rng.randint(3, 14)}",
        "abstract": abstract(rng),
        "publication_types": rng.choice(PUB_TYPES),
        "mesh": rng.sample(MESH, rng.randint(0, 8)),
        "language": "eng",
    }
    if rng.random() < 0.7:
        record["epublished"] = f"{year}-{month:02d}-{rng.randint(1, 28):02d}"
    # How PubMed links papers to a review with a few hundred references, many similar and citing papers.
    roll = rng.random()
    relations = (
        ["reference"] if roll < 0.12 else ["similar"] if roll < 0.35 else ["cites-review"] if roll < 0.92
        else ["reference", "similar"] if roll < 0.95 else []
    )
    out: dict[str, Any] = {"record": record, "relations": relations}
    if rng.random() < 0.25:
        mechs = rng.sample([m[0] for m in MECHANISMS], rng.choice([1, 1, 1, 2]))
        strats = rng.sample([s[0] for s in STRATEGIES], rng.choice([0, 0, 1, 1, 2]))
        curation: dict[str, Any] = {
            "summary": " ".join(sentence(rng, 15, 28) for _ in range(rng.randint(1, 2))),
            "tags": rng.sample(DISEASES + ANTIGENS, rng.randint(1, 4)),
            "mechanisms": mechs,
            "strategies": strats,
            "added": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}",
        }
        if rng.random() < 0.1:
            curation["trials"] = [f"NCT99{rng.randint(0, 999_999):06d}"]
        if rng.random() < 0.3:
            curation["notes"] = "Synthetic benchmark record: no identifier on this page is real."
        out["curation"] = curation
    return out


def cited_prose(rng: random.Random, pool: list[int], paragraphs: int) -> str:
    parts = []
    for _ in range(paragraphs):
        keys = "; ".join(f"@{cite(p)}" for p in rng.sample(pool, rng.randint(1, 3)))
        parts.append(f"{paragraph(rng, rng.randint(3, 5))} [{keys}]")
    return "\n\n".join(parts) + "\n"


def evidence(rng: random.Random, pool: list[int], count: int) -> list[dict[str, Any]]:
    return [
        {"finding": sentence(rng, 25, 55), "cites": [cite(p) for p in rng.sample(pool, rng.randint(1, 3))],
         "kind": rng.choice(EVIDENCE_KINDS), "context": rng.choice(CONTEXTS)}
        for _ in range(count)
    ]


def mkdocs_yml(n: int) -> str:
    """The site's own engine configuration (templates are copied into the project: they must live inside it)."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert 'site_name: "' in text, "mkdocs.yml layout changed: update bench/generate.py"
    return text.replace('site_name: "', f'site_name: "[synthetic {n}] ', 1)


def generate(n: int, dest: Path, seed: int = 8) -> Path:
    """Write a complete project (mkdocs.yml + content/) with `n` papers into `dest` (replaced)."""
    rng = random.Random(f"{seed}:{n}")
    if dest.exists():
        shutil.rmtree(dest)
    for folder in ("mechanisms", "strategies", "papers"):
        (dest / "content" / folder).mkdir(parents=True)
    (dest / "mkdocs.yml").write_text(mkdocs_yml(n), encoding="utf-8")
    shutil.copytree(ROOT / "templates", dest / "templates")

    pmids = list(range(FIRST_PMID, FIRST_PMID + n))
    papers = {pmid: paper(rng, pmid, n) for pmid in pmids}
    # Curated work cites mostly curated papers, like a real site; a fixed number of citations whatever N is.
    curated = [p for p in pmids if "curation" in papers[p]] or pmids

    def pool_for(kind: str, slug: str) -> list[int]:
        tagged = [p for p in curated if slug in papers[p].get("curation", {}).get(kind, [])]
        return tagged if len(tagged) >= 6 else curated

    for order, (slug, name, category) in enumerate(MECHANISMS, 1):
        pool = pool_for("mechanisms", slug)
        dump(dest / "content" / "mechanisms" / f"{slug}.yaml", "mechanism", {
            "title": f"[synthetic] {name}",
            "order": order,
            "category": category,
            "diseases": rng.sample(DISEASES, 2),
            "antigens": rng.sample(ANTIGENS, 1),
            "products": rng.sample(PRODUCTS, 1),
            "summary": cited_prose(rng, pool, 3),
            "evidence": evidence(rng, pool, 6),
        })
    for order, (slug, name, stage, addresses) in enumerate(STRATEGIES, 1):
        pool = pool_for("strategies", slug)
        dump(dest / "content" / "strategies" / f"{slug}.yaml", "strategy", {
            "title": f"[synthetic] {name}",
            "order": order,
            "stage": stage,
            "addresses": [MECHANISMS[i][0] for i in addresses],
            "diseases": rng.sample(DISEASES, 2),
            "antigens": rng.sample(ANTIGENS, 2),
            "products": [],
            "summary": cited_prose(rng, pool, 2),
            "trials": [
                {"id": f"NCT99{order:02d}{i:04d}", "name": f"[synthetic] phase {i} trial of {name.lower()}",
                 "cites": [cite(rng.choice(pool))]}
                for i in (1, 2)
            ],
            "evidence": evidence(rng, pool, 4),
        })
    for pmid, data in papers.items():
        dump(dest / "content" / "papers" / f"{pmid}.yaml", "paper", data)
    dump(dest / "content" / "review.yaml", "review", {
        "record": {
            "pmid": str(REVIEW_PMID),
            "doi": f"10.5555/synthetic.{REVIEW_PMID}",
            "title": "[synthetic] Mechanisms of resistance to CAR T cell therapy: a benchmark review",
            "authors": [author(rng) for _ in range(2)],
            "journal": "Synthetic reviews in clinical oncology",
            "journal_abbrev": "Synth Rev Clin Oncol",
            "published": "2019",
            "abstract": [{"text": paragraph(rng, 9)}],
        },
        "key_points": [cited_prose(rng, curated, 1).strip() for _ in range(5)],
        "overview": cited_prose(rng, curated, 3),
    })
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("papers", type=int, help="number of papers")
    parser.add_argument("dest", type=Path, help="project folder to (re)create")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    print(generate(args.papers, args.dest, args.seed))


if __name__ == "__main__":
    main()
