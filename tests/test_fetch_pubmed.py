"""E-utilities XML -> Record / Links, on the real recordings in tests/fixtures/eutils/ (and labelled synthetic ones)."""

from __future__ import annotations

import pytest

from reviewsite.fetch.merge import new_paper
from reviewsite.fetch.pubmed import BadResponse, parse_efetch, parse_elink, parse_xml, plain_text, uid_errors
from reviewsite.model import Paper
from reviewsite.safeyaml import loads
from test_fetch_fakes import fixture, recorded_articles, synthetic_article


def one(name: str, pmid: str):
    result = parse_efetch(fixture(name))
    assert result.rejected == {}
    return result.records[pmid]


# --- dates ---------------------------------------------------------------------------------------------


def test_season_dates_give_the_year():
    assert one("pubmed1.xml", "12091962").published == "1990"  # <Season>Spring</Season>
    assert one("39364306.xml", "39364306").published == "2024"  # <Season>Winter-Spring</Season>


def test_medline_date_gives_the_leading_year():
    """SYNTHETIC fixture: no real efetch answer with MedlineDate was found."""
    record = one("SYNTHETIC-medline-date.xml", "99999901")
    assert record.published == "1998"
    assert record.pages == "1282-1295"  # abbreviated MedlinePgn expanded


def test_full_and_partial_dates_and_electronic_date():
    assert one("pubmed1.xml", "9997").published == "1976-09-28"  # Month "Sep"
    record = one("pubmed4.xml", "27797938")
    assert (record.published, record.epublished) == ("2017-06", "2016-10-21")
    assert one("pubmed6.xml", "30108519").published == "2018"  # year-only PubDate


# --- titles, abstracts, markup -------------------------------------------------------------------------


def test_inline_markup_in_titles_becomes_plain_text():
    assert one("pubmed4.xml", "27797938").title == (
        "Leucocyte telomere length, genetic variants at the TERT gene region and risk of pancreatic cancer"
    )
    # badly nested: A &quot;<i>Blood Relationship&quot;</i> Between ...
    assert one("pubmed6.xml", "30108519").title.startswith('A "Blood Relationship" Between the Overlooked')
    assert one("pubmed6.xml", "30108519").title.endswith("Back to the Old Days?")
    assert one("TestPubMedFetch.test_title_with_child_text.yaml", "27933116").title == (
        "Phoenix dactylifera mediated green synthesis of Cu2O particles for arsenite uptake from water"
    )
    assert one("sample_article_20301577.xml", "20301577").title == "CACNA1C-Related Disorders"


def test_structured_abstracts_keep_their_labels():
    labels = [s.label for s in one("pubmed4.xml", "27797938").abstract]
    assert labels == ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"]
    assert [s.label for s in one("pubmed5.xml", "28775130").abstract][0] == "OBJECTIVES"  # NlmCategory differs
    unassigned = [s.label for s in one("38534005.xml", "38534005").abstract]  # NlmCategory="UNASSIGNED"
    assert len(unassigned) == 7 and "MEDICAL NEEDS AND TEST REQUISITION" in unassigned
    single = one("pubmed1.xml", "9997").abstract
    assert len(single) == 1 and single[0].label is None


def test_abstract_markup_sub_sup_u_and_mathml():
    text = " ".join(s.text for s in one("pubmed5.xml", "28775130").abstract)
    assert "(0.4-<4.5 mIU/L)" in text  # <u>&lt;</u>
    text = " ".join(s.text for s in one("pubmed6.xml", "30108519").abstract)
    assert "(LEmin)" in text and "km·h-1" in text  # <sub>, <sup>
    assert "( V.O2max )" in text  # MathML tokens without the indentation inside <mml:math>
    assert "\n" not in text and "  " not in text
    text = " ".join(s.text for s in one("pubmed7.xml", "29963580").abstract)
    assert "inhaled He3/Xe129 MRI ventilation" in text


def test_plain_text_drops_invisible_and_control_characters():
    from defusedxml.ElementTree import fromstring

    element = fromstring("<T>a\u200bb\u202ec  d\u2028e<i>f</i></T>")
    assert plain_text(element) == "abc d ef"


# --- authors -------------------------------------------------------------------------------------------


def test_collective_name_only():
    authors = one("TestPubMedFetch.test_collective_author.yaml", "21860499").authors
    assert [a.collective for a in authors] == ["National Toxicology Program"]
    assert authors[0].family is None


def test_collective_and_persons_mixed_with_orcids():
    authors = one("pubmed7.xml", "29963580").authors
    assert authors[-1].collective == "Canadian Respiratory Research Network"
    assert authors[1].family == "Capaldi" and authors[1].orcid == "0000-0002-4590-7461"  # was an orcid.org URL
    first = one("38534005.xml", "38534005").authors[0]
    assert (first.family, first.given, first.initials, first.orcid) == ("Kouri", "Timo T", "TT", "0000-0002-3282-232X")


# --- identifiers ---------------------------------------------------------------------------------------


def test_two_elocation_ids_pii_is_not_a_doi_nor_pages():
    record = one("29226023.xml", "29226023")
    assert record.doi == "10.4172/2161-1122.1000448"
    assert record.pages is None


def test_doi_only_in_article_id_list():
    records = parse_efetch(fixture("pubmed2.xml")).records
    assert records["11748933"].doi == "10.1006/cryo.2001.2328"
    assert records["11700088"].doi == "10.1006/jmre.2001.2429"
    assert one("pubmed1.xml", "9997").doi == "10.1016/0005-2795(76)90109-4"
    assert one("pubmed1.xml", "12091962").doi is None


def test_pmcid_from_article_id_list():
    record = one("pubmed4.xml", "27797938")
    assert (record.pmcid, record.doi) == ("PMC5442267", "10.1136/gutjnl-2016-312510")


@pytest.mark.parametrize(("name", "pmid", "doi"), [
    ("pubmed4.xml", "27797938", "10.1136/gutjnl-2016-312510"),  # ~100 CommentsCorrections PMIDs
    ("pubmed7.xml", "29963580", "10.1117/1.JMI.5.2.026002"),  # ReferenceList with 49 pubmed IDs
    ("39364306.xml", "39364306", "10.1353/bsr.2024.a931228"),  # references with doi/pmc/pubmed IDs
    ("29226023.xml", "29226023", "10.4172/2161-1122.1000448"),
])
def test_reference_and_comment_ids_are_not_the_articles(name, pmid, doi):
    result = parse_efetch(fixture(name))
    assert list(result.records) == [pmid]
    assert result.records[pmid].doi == doi


def test_pubmed_book_article():
    record = one("sample_article_20301577.xml", "20301577")
    assert record.journal == "GeneReviews®"  # <sup>&#xae;</sup>
    assert [a.family for a in record.authors] == ["Napolitano", "Priori"]  # authors, not the book's editors
    assert record.published == "1993" and record.doi is None and record.pmcid is None
    assert [s.label for s in record.abstract][0] == "CLINICAL CHARACTERISTICS"
    assert record.publication_types == ["Review"]


def test_other_fields():
    record = one("pubmed1.xml", "12091962")
    assert (record.journal, record.journal_abbrev, record.volume, record.issue, record.pages) == (
        "Social justice (San Francisco, Calif.)", "Soc Justice", "17", "1", "113-125")
    assert record.publication_types == ["Journal Article", "Review"]
    assert "Acquired Immunodeficiency Syndrome" in record.mesh and len(record.mesh) == 19
    assert record.language == "eng"
    assert one("pubmed7.xml", "29963580").pages == "026002"  # article number kept as given
    assert one("TestPubMedFetch.test_collective_author.yaml", "21860499").pages == "296-297"  # Start/EndPage


def test_every_recorded_article_makes_a_valid_paper_file():
    articles = recorded_articles()
    assert len(articles) >= 14
    for pmid, raw in articles.items():
        body = b"<PubmedArticleSet>" + raw + b"</PubmedArticleSet>"
        record = parse_efetch(body).records[pmid]
        data = loads(new_paper(record, ["reference"], "2026-01-01").encode()).data
        assert Paper.model_validate(data).record == record


# --- retractions, errata, updates (issue 15): real recordings ------------------------------------------

BASELINE = "pubmedsample_2019.xml.gz"  # 176 real records of NLM's 2019 baseline (fatcat's test file)


def corrections(name: str, pmid: str) -> list[tuple[str, str | None, str | None]]:
    return [(c.type, c.pmid, c.source) for c in one(name, pmid).corrections]


def test_retraction_in_with_the_notice_pmid_and_the_publication_type():
    record = parse_efetch(fixture(BASELINE)).records["11543891"]
    assert [(c.type, c.pmid, c.source) for c in record.corrections] == [
        ("RetractionIn", "11600210", "Suciu-Foca N, Lewis R. Hum Immunol. 2001 Oct;62(10):1063")]
    assert "Retracted Publication" in record.publication_types


def test_several_notices_in_their_order_and_one_without_a_pmid():
    records = parse_efetch(fixture(BASELINE)).records
    assert [(c.type, c.pmid) for c in records["8863847"].corrections] == [
        ("ErratumIn", None), ("RetractionIn", "9499167")]
    assert records["8863847"].corrections[0].source == "Mol Pharmacol 1997 Mar;51(3):533"
    assert [(c.type, c.pmid) for c in records["28647898"].corrections] == [("ErratumIn", "28786003")]
    assert [(c.type, c.pmid) for c in records["11279676"].corrections] == [
        ("UpdateOf", "10796117"), ("UpdateIn", "11405950")]
    notice = records["11600210"]  # the retraction notice itself
    assert [(c.type, c.pmid) for c in notice.corrections] == [("RetractionOf", "11543891")]
    assert notice.publication_types == ["Retraction of Publication"]


def test_current_dtd_erratum_in_and_erratum_for():
    assert corrections("35649368.xml", "35649368") == [
        ("ErratumIn", "35767954", "Cell Rep. 2022 Jun 28;39(13):111044. doi: 10.1016/j.celrep.2022.111044.")]
    assert corrections("38833988.xml", "38833988")[0][:2] == ("ErratumFor", "33279609")
    assert "Published Erratum" in one("38833988.xml", "38833988").publication_types


def test_comments_citations_and_old_republication_kinds_are_left_out():
    assert corrections("pubmed4.xml", "27797938") == []  # a CommentIn and ~100 Cites
    records = parse_efetch(fixture(BASELINE)).records
    assert records["10612833"].corrections == []  # RepublishedFrom: not a kind the record holds
    assert records["9482442"].corrections[0].type == "ErratumIn"


def test_corrections_round_trip_through_a_paper_file():
    record = parse_efetch(fixture(BASELINE)).records["8863847"]
    text = new_paper(record, ["reference"], "2026-01-01")
    assert '  corrections:\n    - type: "ErratumIn"\n      source: "Mol Pharmacol' in text
    assert Paper.model_validate(loads(text.encode()).data).record == record


def test_keywords_are_kept_beside_the_records():
    result = parse_efetch(fixture("35649368.xml"))
    assert result.keywords["35649368"][:3] == ["ACSL", "CP: Cancer", "CP: Metabolism"]
    assert "35649368" not in parse_efetch(fixture("pubmed1.xml")).keywords


def test_stripped_characters_are_noted_per_field():
    """SYNTHETIC record (invisible characters put into a synthetic title and abstract on purpose)."""
    body = b"<PubmedArticleSet>" + synthetic_article(
        "99999902", title="Zero\u200bwidth \u2066title", abstract="An \u00adabstract") + b"</PubmedArticleSet>"
    result = parse_efetch(body)
    assert result.records["99999902"].title == "SYNTHETIC Zerowidth title"
    assert result.notes["99999902"] == [
        "removed 2 invisible characters (U+200B, U+2066) from the title",
        "removed 1 invisible character (U+00AD) from the abstract",
    ]
    assert "12091962" not in parse_efetch(fixture("pubmed1.xml")).notes


# --- empty sets, errors, hostile or broken answers -----------------------------------------------------


def test_unknown_pmid_is_an_empty_set():
    result = parse_efetch(fixture("37909814.xml"))
    assert result.records == {} and result.rejected == {}


def test_html_body_is_refused_without_retry():
    with pytest.raises(BadResponse, match="HTML page") as err:
        parse_efetch(fixture("pubmed3.html"))
    assert not err.value.retryable


@pytest.mark.parametrize("name", ["esummary.error.xml", "esummary8.xml", "SYNTHETIC-efetch-error.xml"])
def test_top_level_error_with_http_200(name):
    with pytest.raises(BadResponse, match="NCBI error") as err:
        parse_xml(fixture(name), ("eSummaryResult", "PubmedArticleSet"))
    assert err.value.retryable  # NCBI uses it for backend trouble too: worth another try


def test_per_uid_error_inside_an_ok_set():
    root = parse_xml(fixture("esummary.pmcerror.xml"), ("eSummaryResult",))
    assert uid_errors(root) == {"1": "cannot get document summary"}


def test_per_uid_error_in_efetch_marks_only_that_pmid():
    body = (b"<PubmedArticleSet>" + recorded_articles()["9997"]
            + b'<DocumentSummary uid="12345"><error>cannot get document summary</error></DocumentSummary>'
            + b"</PubmedArticleSet>")
    result = parse_efetch(body)
    assert list(result.records) == ["9997"]
    assert result.rejected == {"12345": "cannot get document summary"}


@pytest.mark.parametrize("name", ["SYNTHETIC-entity-bomb.xml", "SYNTHETIC-external-entity.xml"])
def test_entity_tricks_are_refused(name):
    with pytest.raises(BadResponse, match="unsafe XML") as err:
        parse_efetch(fixture(name))
    assert not err.value.retryable


@pytest.mark.parametrize("cut", [0.3, 0.5, 0.9])
def test_truncated_xml_is_a_retryable_failure(cut):
    body = fixture("pubmed4.xml")
    with pytest.raises(BadResponse, match="malformed or truncated") as err:
        parse_efetch(body[: int(len(body) * cut)])
    assert err.value.retryable


def test_empty_body_and_wrong_document():
    with pytest.raises(BadResponse, match="empty"):
        parse_efetch(b"  \n")
    with pytest.raises(BadResponse, match="unexpected XML document <eLinkResult>"):
        parse_efetch(fixture("elink1.xml"))


# --- ELink -----------------------------------------------------------------------------------------------


def test_elink_all_link_sets_in_one_response():
    links = parse_elink(fixture("elink1.xml"), "9298984")
    assert len(links.refs) == 56 and len(links.citedin) == 39
    assert len(links.similar) == 100 and "9298984" not in links.similar  # the article itself dropped
    assert links.similar[:3] == ("8794856", "9700164", "7914521")  # NCBI's order kept without scores


def test_elink_without_refs_for_a_non_pmc_article():
    links = parse_elink(fixture("test_elink"), "1234567")
    assert links.refs == () and len(links.citedin) == 8 and links.similar


def test_elink_old_dtd():
    links = parse_elink(fixture("sample_related_pmids_result.xml"), "14873513")
    assert len(links.citedin) == 6 and links.similar


def test_elink_comma_joined_ids_are_not_attributed():
    """elink3.xml merged two IDs into one LinkSet: its links cannot be told apart, so none is taken."""
    assert parse_elink(fixture("elink3.xml"), "11812492") == parse_elink(b"<eLinkResult/>", "11812492")


def test_elink_scores_order_similar_articles():
    from test_fetch_fakes import elink_body

    body = elink_body("100", similar=[("3", 10), ("1", 30), ("2", 20)], refs=["7"], citedin=["8"])
    links = parse_elink(body, "100")
    assert links.similar == ("1", "2", "3") and links.refs == ("7",) and links.citedin == ("8",)


def test_elink_error_for_the_id():
    body = (b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>5</Id></IdList>"
            b"<ERROR>UID=5: cannot get document summary</ERROR></LinkSet></eLinkResult>")
    with pytest.raises(BadResponse, match="ELink error for PMID 5") as err:
        parse_elink(body, "5")
    assert not err.value.retryable
