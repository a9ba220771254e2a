"""The demo's 2018 activity report: the seed's sections, periods and words; its figures are
indicator keys, computed from the demo records at each render, never typed in.

Periods are (years after the report's year, month, day): the cannery season of the 2018 report
runs from July 2017 to December 2018. A figure whose indicator is not registered (its app not
there yet) is skipped when the report is created.
"""

from django_scopes import scope

from coope.reports.models import Report, TextKind

OBJ, H, V, P, R, F = (
    TextKind.OBJECTIVES,
    TextKind.HOW_IT_WORKS,
    TextKind.VALUE,
    TextKind.PRINCIPLE,
    TextKind.RESULTS,
    TextKind.FREE,
)
YEAR = ((0, 1, 1), (0, 12, 31))

DEMO_REPORT = {
    "title": "Rapport d'activités {year}",
    "sections": [
        {
            "title": "La Coopération",
            "figures": [
                (
                    "volunteering.governance_volunteers",
                    "bénévoles engagés dans les CA et les groupes projets",
                    False,
                ),
                ("membership.members", "adhérents", False),
                ("people.users", "usagers", False),
                ("people.reception_visits", "passages aux accueils physiques quotidiens", False),
                ("activities.events_published", "évènements publiés dans l'agenda commun", False),
                ("activities.named_participants", "participants aux activités", True),
                ("membership.members_by_house", "adhérents par maison d'adhésion", False),
                ("volunteering.hours", "heures de bénévolat", False),
            ],
            "texts": [
                (
                    F,
                    "",
                    """
Apparue en 2015 dans un environnement peu favorable, la Coopération de Romans s'est imposée au fil
des années comme communauté d'actions, capable de se doter d'une organisation propre et innovante
pour déployer des actions à l'échelle non plus du quartier mais d'un bassin de vie.

L'utilité de l'organisation et ses actions peut être et doit donner à voir grâce au travail
d'évaluation d'impact social.""",
                ),
                (
                    H,
                    "Une organisation interconnectée",
                    """
Des associations d'actions collectives agissant en proximité avec les habitants depuis plus de
30 ans sur la Ville de Romans, contribuant à l'intérêt général, appartenant à l'ESS, capables de
déployer des actions coopératives innovantes socialement en associant citoyens et acteurs d'un
territoire.
- Une gouvernance singulière : une organisation basée sur les compétences et des mandats,
  favorisant la mobilité et la représentation, agissant comme une communauté d'actions.
- Des accueils physiques quotidiens et des activités pour tous, des actions à visée émancipatrice.
- Des espaces d'exposition animés et des pôles associatifs.
- Des outils communs de communication.""",
                ),
                (
                    F,
                    "Une posture de travail = faire ensemble",
                    """
1 visée : le développement du pouvoir d'agir.

Un socle commun d'existence défini par 3 valeurs (solidarité, démocratie et dignité humaine) et
3 principes d'intervention (transmission culturelle, éducation populaire et développement
durable).""",
                ),
            ],
        },
        {
            "title": "La conserverie mobile & solidaire",
            "period": ((-1, 7, 1), (0, 12, 31)),
            "project_group": "alimentation",
            "figures": [
                ("cannery.workshops", "animations", False),
                ("cannery.volunteer_hours", "de bénévolat", False),
                (
                    "cannery.participants",
                    "participants aux animations (personnes nommées + personnes comptées sans nom)",
                    False,
                ),
                (
                    "cannery.volunteers_trained",
                    "bénévoles impliqués et formés à l'animation",
                    False,
                ),
                ("cannery.villages", "communes visitées", False),
                ("cannery.workshops_by_village", "animations par commune visitée", False),
                (
                    "cannery.collected_weight",
                    "de fruits et légumes récupérés puis transformés",
                    False,
                ),
                ("cannery.soup_volume", "de soupes et veloutés", False),
                ("cannery.jars", "pots réalisés", False),
            ],
            "texts": [
                (
                    F,
                    "Innovation sociale",
                    """
La mère conserverie mobile et solidaire de France, lauréate en 1 an de 3 trophées de l'innovation
sociale.
- Lauréate Coup de coeur ESS du Mag2Lyon
- Lauréate d'AG2R la Mondiale et Carsat
- Sélection aux Trophées de l'entreprise de Valence Romans « coup de coeur »
- Lauréate à l'économie circulaire de la Région Auvergne Rhône Alpes""",
                ),
                (
                    H,
                    "",
                    """
Le projet de conserverie mobile et solidaire est développé dans le cadre du Groupe Projet
ALIMENTATION de la Coopération qui définit la feuille de route.

A l'aide d'un véhicule équipé, il s'agit de :
- récupérer et valoriser les fruits et légumes de qualité, disqualifiés ou en surplus produits par
  des agriculteurs de la filière circuits courts du territoire rural et agricole de l'agglomération,
- et dans le même temps permettre aux habitants de les cuisiner et de les transformer sous forme
  de conserve.""",
                ),
                (
                    OBJ,
                    "4 objectifs interdépendants",
                    """
1. Expérimenter la transformation avec les habitants grâce à la création d'une petite conserverie
ambulante en développant une gamme de recettes.

2. Infléchir les comportements alimentaires et de consommations des habitants, notamment ceux en
situation de précarité.

3. Développer une gouvernance sur un mode participatif associant producteurs et consommateurs.
Créer un modèle économique équitable viable, créateur d'emplois.

4. Renforcer le lien ville-campagne entre habitants, producteurs, consommateurs et autres acteurs
locaux impliqués.""",
                ),
                (
                    R,
                    "",
                    """
- Une distribution sur place, dans les maisons de quartier, aux producteurs, vente en euros et
  vente en monnaie-temps à la P'tite Coopé""",
                ),
                (
                    V,
                    "",
                    """
SOLIDARITÉ : C'est action collective génératrice de liens entre urbains et ruraux, entre habitants
et producteurs. Des nouvelles solidarités naissantes.""",
                ),
                (
                    P,
                    "",
                    """
DÉVELOPPEMENT DURABLE : C'est la lutte contre le gaspillage alimentaire, développement des circuits
courts et du bio pour un plus grand nombre.""",
                ),
            ],
        },
        {
            "title": "L'économie de partage — Au Fil de Faire",
            "period": YEAR,
            "project_group": "economie-partage",
            "figures": [
                ("timebank.new_members", "nouveaux adhérents du TIC-TAC", False),
                ("timebank.active_accounts", "accordeurs actifs", False),
                ("timebank.exchanges", "échanges de services", False),
                ("timebank.hours_exchanged", "heures échangées en monnaie-temps", False),
                ("timebank.hours_by_category", "heures échangées par catégorie de service", False),
                ("timebank.hours_by_house", "heures échangées par maison", False),
            ],
            "texts": [
                (
                    F,
                    "Au Fil de Faire en 2018",
                    """
- des ateliers Textile (retouche et création),
- 1 ressourcerie vestimentaire,
- du petit bricolage,
- de la réparation vélos,
- Récup' et relooking
- le collectif des jardins partagés CHOPIN
- le conseil citoyen quartier EST
- des achats groupés, des prix négociés et des commandes trimestrielles.
- des ateliers numériques""",
                ),
                (
                    H,
                    "L'économie de partage : comment ça marche ?",
                    """
Lancé début 2018, le local du Fil de Faire est développé dans le cadre du Groupe Projet ECONOMIE de
PARTAGE de la Coopération qui construit sa feuille de route : échanger, transmettre, produire et
créer ENSEMBLE des biens et des services à haute valeur sociale, solidaire et conviviale.

C'est l'occasion de développer de nouveaux partenariats : Moulin Digital, Ecole d'ingénieur de
Valence, le Conservatoire de musique...""",
                ),
                (
                    OBJ,
                    "4 objectifs interdépendants",
                    """
1. Rendre accessible, lisible, attractif les réseaux d'échanges existants.

2. Conduire la consolidation et le développement d'actions menées sur le thème de l'économie de
partage au FIL DE FAIRE.

3. Traiter le déploiement du TIC-TAC (monnaie-temps) auprès des habitants et actions de la
Coopération.

4. Consolider puis développer un groupement d'achats pour les associations de la Coopération
(structure / projet / habitant).""",
                ),
                (
                    R,
                    "",
                    """
- 3 catégories d'achats groupés pour les associations : alimentaires, bureautique et entretien.
- 15 familles ont bénéficié des achats groupés de fournitures scolaires
- 50 retouches textiles""",
                ),
                (
                    V,
                    "",
                    """
SOLIDARITÉ : de nouveaux adhérents proposent de nouveaux services aux usagers comme la petite
réparation de meubles.""",
                ),
                (
                    P,
                    "",
                    """
TRANSMISSION CULTURELLE : Un nouveau partenariat avec le Conservatoire de musique. Les bénévoles de
l'atelier textile du fil de faire fabriquent des costumes et des accessoires pour une classe de 4e
de Valence qui va interpréter un spectacle d'Offenbach à la Cité de la Musique en 2019.""",
                ),
            ],
        },
        {
            "title": "La Bobine Romanaise, une émission de radio",
            "period": ((-1, 10, 1), (0, 7, 31)),
            "texts": [
                (
                    H,
                    "",
                    """
La Bobine Romanaise est un « magazine radiophonique collectif » diffusé en direct sur Radio Méga
(99.2 FM) le jeudi de 18h à 18h55. On y trouve :
- des chroniques régulières qui permettent à des habitants de partager une passion ou une cause
  qui leur tient à coeur
- des paroles d'habitants et associations porteurs de projets qui font vivre Romans
- des pauses musicales assurées par des musiciens locaux.""",
                ),
                (
                    OBJ,
                    "La ligne éditoriale : 4 objectifs interdépendants",
                    """
1. Permettre à chacun de s'exprimer : aller à la rencontre des personnes ; soutenir et accompagner
la parole ; être attentifs à la diversité des invités.

2. Mettre en avant les initiatives locales... d'ici et d'ailleurs. Valoriser celles et ceux qui
s'auto-organisent pour faire avancer le monde.

3. Une démarche d'éducation populaire : développer l'esprit critique ; s'apprendre les uns des
autres ; permettre à tous les points de vue de s'exprimer... dans le respect des autres.

4. Proposer des contenus accessibles à tous. Une émission dynamique, conviviale et humaine qui
parle à tous les publics.""",
                ),
                (
                    R,
                    "",
                    """
- Des rencontres entre personnes de différentes générations, quartiers et cultures, de nombreuses
  découvertes et échanges de savoirs.
- Des bénévoles qui acquièrent des compétences : assurer la technique, faire du montage,
  interviewer quelqu'un, animer une émission, poser sa voix...
- Un comité de rédaction où s'expérimentent l'éducation aux médias et l'organisation collective
- Une grande variété de sujets abordés dans la dizaine de chroniques différentes.""",
                ),
                (
                    V,
                    "",
                    """
DIGNITÉ HUMAINE : Parler à la radio demande de gérer son stress, son souffle, sa voix. Une
expérience parfois stressante mais surtout valorisante et qui développe la confiance en soi.""",
                ),
                (
                    P,
                    "",
                    """
DÉVELOPPEMENT DURABLE : Des chroniques régulières sur les impacts cachés de nos fruits et légumes,
sur les déchets (Poubelle Chérie), l'invitation d'acteurs locaux (Agricourt, Terres Animées,
Conserverie, Générations Futures...).""",
                ),
            ],
        },
        {
            "title": "Le passeport culture",
            "period": YEAR,
            "project_group": "culture",
            "texts": [
                (
                    H,
                    "",
                    """
Le Groupe Culture, composé de 12 personnes, fonctionne depuis 5 ans. Il met en place plusieurs
actions dont une action phare : LE PASSEPORT CULTURE ! La culture est un vecteur d'ouverture à
l'autre.""",
                ),
                (
                    OBJ,
                    "4 objectifs interdépendants",
                    """
1. Rendre la culture accessible à tous et réduire les freins d'accès à la culture
(psychologiques, économiques et de mobilité).

2. Permettre, par la culture, de tisser du lien social.

3. Décloisonner les publics des différents quartiers de Romans et générer de la mixité.

4. Amener chacun à pouvoir s'approprier et retransmettre un savoir culturel.""",
                ),
                (
                    R,
                    "",
                    """
- Un partenariat durable avec la Comédie de Valence, Romans scènes, la cité de la musique, la
  cordonnerie, le baron de bayanne...
- Le passeport permet la rencontre de personnes de différentes origines sociales, culturelles,
  générationnelles, et permet de décloisonner les publics des différents quartiers.
- Une réunion mensuelle alternativement dans chaque Maison de quartier. Chaque membre est un
  « ambassadeur » de culture dans sa maison de quartier.""",
                ),
                (
                    V,
                    "",
                    """
DÉMOCRATIE : le groupe culture se concerte et décide des choix des spectacles. Ils diffusent le
projet auprès des différents partenaires et des habitants.""",
                ),
                (
                    P,
                    "",
                    """
ÉDUCATION POPULAIRE : Des apéros culture 3 fois par an et une soirée de lancement pour échanger sur
les spectacles, sorties... et prendre le temps du récit et de l'écriture ; puis le partager !""",
                ),
            ],
        },
        {
            "title": "Le groupe Mobilité",
            "period": ((-1, 1, 1), (0, 12, 31)),
            "project_group": "mobilite",
            "texts": [
                (
                    H,
                    "",
                    """
La mobilité douce, durable, alternative, solidaire... est une thématique travaillée de manière
transversale dans les maisons de quartier et les actions de la Coopération. Le nouveau groupe
projet mobilité sera lancé en mars 2019 pour développer ses actions.""",
                ),
                (
                    R,
                    "",
                    """
- Adhésion partagée = circulation fluide des habitants entre les quartiers
- Vélos en VAE, prêts de vélo en monnaie-temps (tic-tac), achats groupés de vélos.
- Rosalie transport : courses, visites, livraison.
- Covoiturage : Passeport culture, Evadobus (en tic-tac)...
- Accompagnement à des rdv « santé » par des bénévoles.""",
                ),
                (
                    V,
                    "",
                    """
SOLIDARITÉ : covoiturer, accompagner pour faire les courses, prêter des vélos, apprendre à pédaler
et décrypter les cartes de bus locaux... autant de petites pratiques simples, responsables et
solidaires, en bas de chez soi.""",
                ),
                (
                    P,
                    "",
                    """
DÉVELOPPEMENT DURABLE : Sensibiliser à de nouveaux modes de déplacement, notamment en favorisant la
mobilité alternative et les transports en commun, c'est construire un avenir durable.""",
                ),
            ],
        },
        {
            "title": "Le CLIRSE — portrait de quartier",
            "period": YEAR,
            "texts": [
                (
                    H,
                    "",
                    """
Le CLIRSE, Cluster d'Innovation Responsable, Sociétale et Environnementale, répond à une volonté
partagée par une diversité d'acteurs (institutions, entreprises, associations, etc.) de travailler
communément sur des projets globaux de transition et de développement territorial.""",
                ),
                (
                    R,
                    "",
                    """
- Partages, réflexions concrètes pour le déploiement de la responsabilité sociétale et
  environnementale sur le territoire
- Expérimentation terrain au cœur du Quartier de Fontbarlettes : état des lieux des attentes,
  besoins et usages des parties prenantes.""",
                ),
                (
                    V,
                    "",
                    """
DÉMOCRATIE : Le cluster regroupe des acteurs très diversifiés, complémentaires, qui partagent et
échangent sur cette nouvelle dynamique de Responsabilité Sociétale et Environnementale.""",
                ),
                (
                    P,
                    "",
                    """
LE DÉVELOPPEMENT DURABLE... DU TERRITOIRE : Les coopérations émanant du Cluster visent à tenir
compte des impacts sociaux et environnementaux des activités des acteurs du territoire.""",
                ),
            ],
        },
        {
            "title": "Le groupe Communication",
            "period": YEAR,
            "project_group": "communication",
            "figures": [
                ("activities.events_published", "évènements mis en ligne", False),
            ],
            "texts": [
                (
                    H,
                    "",
                    """
Le groupe communication travaille avec des graphistes indépendants sur :
- Un journal trimestriel de 8 pages (papier et mailing) « le Fil - paroles de quartiers »
- Un site internet maisonsdequartier.fr et une newsletter hebdomadaire
- Une carte d'adhésion commune
- Une plaquette annuelle qui regroupe toutes les activités des maisons
- Des affiches communes différenciées par un code couleur""",
                ),
                (
                    R,
                    "",
                    """
- Nombre d'abonnés à la newsletter en constante évolution
- Gain de temps de travail pour les salariés
- Gain en qualité""",
                ),
                (
                    V,
                    "",
                    """
DÉMOCRATIE : Une grande vigilance pour laisser la place aux habitants de s'exprimer. Le comité de
rédaction a à cœur de solliciter les participants aux actions pour qu'ils écrivent les articles ou
soient interviewés.""",
                ),
                (
                    P,
                    "",
                    """
DÉVELOPPEMENT DURABLE : Impression du journal sur du papier recyclé et issu de forêts gérées
raisonnablement.""",
                ),
            ],
        },
        {
            "title": "Évaluer l'impact social",
            "period": ((-1, 1, 1), (0, 12, 31)),
            "texts": [
                (
                    H,
                    "",
                    """
L'évaluation vise, à partir du recueil d'informations qualitatives et quantitatives, à apprécier la
valeur de notre action au regard d'un référentiel. C'est une démarche participative qui s'appuie en
partie sur la « Fleur de l'utilité sociale ». L'évaluation menée comprend 3 visées : démocratique,
stratégique et de plaidoyer.""",
                ),
                (
                    R,
                    "",
                    """
- Un processus de conscientisation collective : l'évaluation a permis de prendre conscience
  collectivement du chemin parcouru par la coopération
- Une gouvernance partagée avec les habitants en les associant à la prise de décision
- Des alliances de territoire pour assurer la pérennité de la coopération et ses structures.""",
                ),
                (
                    V,
                    "",
                    """
DÉMOCRATIE : L'évaluation d'impact social est une démarche ouverte et concertée, conçue comme un
temps d'ouverture du dialogue aux différentes parties prenantes qui font vivre la Coopération.""",
                ),
                (
                    P,
                    "",
                    """
ÉDUCATION POPULAIRE : Échanger, confronter son point de vue, prendre du recul sur l'action de façon
partagée et participative.""",
                ),
            ],
        },
    ],
}


def build(builder) -> None:
    """`coope demo` (the reports' declaration): the 2018 report, in the full demo only."""
    if builder.full:
        build_report_demo(builder.cooperation)


def build_report_demo(cooperation, actor=None, year: int = 2018) -> Report:
    """The cooperation's activity report of `year` from the seed's structure (once: an existing
    report of that year is returned as it is)."""
    from coope.reports.services import create_report_from_template

    with scope(cooperation=cooperation.pk):
        existing = (
            Report.objects.filter(cooperation=cooperation, period_start__year=year)
            .order_by("-pk")
            .first()
        )
        if existing is not None:
            return existing
        return create_report_from_template(
            actor=actor, cooperation=cooperation, template=DEMO_REPORT, year=year
        )
