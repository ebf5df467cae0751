"""Word lists shared by the Factdesk components.

The pipeline runs without a lemmatizer (see ``finder._EXCLUDED_PIPES``), so the lists
hold surface forms, lower-cased. They are deliberately short: each rule that reads
one also reads tags and the parse when the pipeline has them, and the lists only
have to name the words that matter to that rule.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "LAW"})
NUMBER_LABELS = frozenset({"CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"})
DATE_LABELS = frozenset({"DATE", "TIME"})

FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "csubj", "csubjpass"})
MODALS = words("will would may might can could shall should must")

# Verbs that attribute a statement to a source ("officials said", "Reuters
# reported"): they count as the "attribution" signal of the scorer.
ATTRIBUTION_VERBS = words(
    "say says said tell tells told estimate estimates estimated confirm confirms confirmed "
    "report reports reported announce announces announced state states stated "
    "claim claims claimed insist insists insisted warn warns warned add adds added "
    "note notes noted acknowledge acknowledges acknowledged deny denies denied "
    "reveal reveals revealed disclose discloses disclosed conclude concludes concluded "
    "testify testifies testified admit admits admitted allege alleges alleged"
)

# Verbs that only introduce speech when they frame a quotation: "“…,” he continued"
# is attribution, "Russia continued its offensive" is not.
QUOTE_FRAME_VERBS = words(
    "continue continues continued ask asks asked explain explains explained "
    "write writes wrote reply replies replied respond responds responded "
    "recall recalls recalled argue argues argued"
)

# Who holds a view is worth showing even when the view is not a statement of fact:
# the speaker of "analysts believe …" or "Austin called … an escalation" is still
# the analysts, or Austin. These never count as attribution in the score.
STANCE_VERBS = words(
    "believe believes believed think thinks thought suggest suggests suggested "
    "fear fears feared expect expects expected predict predicts predicted "
    "assess assesses assessed portray portrays portrayed describe describes described "
    "characterize characterizes characterized argue argues argued quoted"
)

SPEAKER_VERBS = ATTRIBUTION_VERBS | STANCE_VERBS

# "the secretary told reporters": a singular title that stands for a person named
# earlier. "the company said" names an organisation and stands for itself.
PERSON_TITLES = words(
    "secretary minister leader president premier chancellor spokesman spokeswoman "
    "spokesperson official chief director governor mayor senator ambassador general "
    "commander envoy chairman chairwoman chair executive founder king queen prince pope "
    "judge prosecutor lawyer attorney analyst expert researcher scientist professor "
    "economist author reporter correspondent officer diplomat adviser advisor aide "
    "candidate lawmaker legislator representative commissioner inspector engineer "
    "manager owner farmer resident witness doctor superintendent sheriff"
)

# Speech acts whose reported future is the source's own announced plan ("Seoul said
# it would consider …"); belief verbs ("analysts believe … will") are forecasts.
ANNOUNCING_VERBS = words(
    "say says said tell tells told announce announces announced state states stated "
    "confirm confirms confirmed pledge pledges pledged promise promises promised "
    "vow vows vowed"
)

COPULAS = words("is are was were am 's \u2019s remains remain remained becomes become became")

PREDICTION_AUX = words("will 'll \u2019ll shall wo")
HEDGE_AUX = words("may might could")
# "could not produce any record", "could no longer cross": past inability is a fact.
NEGATIONS = words("not n't n\u2019t never no")
HEDGE_ADVERBS = words("possibly perhaps maybe probably presumably conceivably likely")
# "is expected to arrive", "is likely to fall", "is set to grow".
FORECAST_WORDS = words("expected likely set poised due bound going")

# Only in the first person do these verbs mark an opinion: "I think" vs "they think".
OPINION_VERBS = words(
    "think believe feel guess suppose reckon hope doubt bet suspect thinks believes feels"
)
FIRST_PERSON = words("i we")
# "sounds like a sign", "looks like": an impression, not a finding.
IMPRESSION_VERBS = words("sound sounds sounded look looks looked")
# "seems to", "appears to": a hedge on whatever follows.
SEEMING_VERBS = words("seem seems seemed appear appears appeared")
CHARACTERIZING_VERBS = words(
    "call calls called consider considers considered describe describes described "
    "deem deems deemed label labels labelled labeled brand brands branded"
)
# Evaluative words a fact-checker cannot check: "a very serious escalation", "a
# watershed moment", "true partnership". Kept short on purpose, classifying
# adjectives ("main trading partner", "critical oil supplier") stay out.
EVALUATIVE = words(
    "serious grave good bad great terrible awful horrible wonderful excellent "
    "true genuine fake huge enormous massive tremendous remarkable incredible "
    "disastrous catastrophic shameful outrageous ridiculous absurd unacceptable "
    "dangerous reckless desperate pathetic brilliant historic unprecedented "
    "watershed disaster disgrace mistake tragedy triumph nightmare desperation "
    "different worrying alarming troubling shocking stunning"
)
UNCERTAIN_ADJECTIVES = words("unclear uncertain unknown")
# A source withholding information: "did not give details", "made no estimate",
# "declined to comment".
GIVING_VERBS = words(
    "give gives gave given provide provides provided offer offers offered make makes made"
)
DISCLOSING_VERBS = words(
    "comment comments commented disclose discloses disclosed elaborate say specify "
    "specified release released reveal revealed confirm"
)
REFUSING_VERBS = words("decline declines declined refuse refuses refused")
INFORMATION_NOUNS = words(
    "details detail estimate estimates figure figures number numbers breakdown "
    "information timeline timetable comment specifics"
)

# Nouns that state a relation or a role, so "X is Y's <noun>" can be checked:
# "China remains Pyongyang's main trading partner".
ROLE_NOUNS = words(
    "supplier suppliers partner partners ally allies member members leader leaders "
    "president capital producer producers exporter exporters importer importers "
    "buyer buyers seller sellers owner owners founder founders head chief source "
    "home part largest creditor creditors donor donors neighbour neighbor rival "
    "rivals customer customers client clients manufacturer manufacturers provider "
    "providers operator operators subsidiary shareholder shareholders investor "
    "investors lender lenders sponsor sponsors host birthplace seat hub backer backers"
)

THIRD_PERSON = words("he she it they his her its their them him this that these those both such")
# Words that open a sentence without changing what it refers to: "But he said …".
LEADING_CONNECTIVES = words(
    "but and so yet however still now then also meanwhile instead indeed moreover"
)

# What a study or a source established: "researchers found that …", "the study shows
# …", "Austin confirmed that …". News puts its main claim in such a sentence; the
# ranking weighs it (see claim_scorer.FINDING).
FINDING_VERBS = words(
    "find finds found show shows showed shown demonstrate demonstrates demonstrated "
    "reveal reveals revealed conclude concludes concluded suggest suggests suggested "
    "report reports reported confirm confirms confirmed indicate indicates indicated "
    "identify identifies identified discover discovers discovered establish establishes "
    "established develop develops developed"
)
# "They found", "we show": in a sentence of finding the pronoun stands for the researchers.
RESEARCH_NOUNS = words(
    "study studies research researchers researcher scientists scientist analysis analyses "
    "report reports trial trials survey findings results team review paper preprint work "
    "data experts authors investigators officials evidence experiment experiments "
    "they we"
)

# Verbs of speech that also take a plain object: "he added" reports speech, "Clifton
# added a goal" and "the club added 2,000 seats" do not. With a direct object and no
# reported clause or quotation they are not attribution.
OBJECT_OR_SPEECH_VERBS = words("add adds added")
RELATIVE_PRONOUNS = words("who whom which that")
