"""What the demo cooperations are made of: names and numbers from the 2018 activity report."""

ROMANS = {
    "name": "Coopération de Romans-sur-Isère",
    "slug": "romans",
    "card_prefix": "ROM",
    "associations": [
        {
            "name": "Maison de quartier St Nicolas",
            "address": "14 place du Chapitre 26100 Romans",
            "house": {
                "name": "Maison de quartier St Nicolas", "short_name": "St Nicolas",
                "address": "14 place du Chapitre", "phone": "04 75 72 47 70",
                "priority_area": True, "colour": "#E4572E", "agreements": ["cs", "evs"],
            },
        },
        {
            "name": "Maison de quartier des Ors",
            "address": "26 rue Magnard 26100 Romans",
            "house": {
                "name": "Maison de quartier des Ors", "short_name": "Les Ors",
                "address": "26 rue Magnard", "phone": "04 75 72 16 15",
                "priority_area": False, "colour": "#17BEBB", "agreements": ["cs", "evs"],
            },
        },
        {
            "name": "Maison Citoyenne",
            "address": "place Berlioz 26100 Romans",
            "house": {
                "name": "Maison Citoyenne", "short_name": "Maison Citoyenne",
                "address": "place Berlioz", "phone": "04 75 71 21 28",
                "priority_area": True, "colour": "#76B041", "agreements": ["cs"],
            },
        },
        {"name": "L'Accorderie", "address": "68 rue St Nicolas 26100 Romans", "house": None},
    ],
    # 2018: 300 household memberships covering 900 people, and 450 individual ones: 1350 members.
    "households_2018": 300,
    "household_people_2018": 900,
    "individuals_2018": 450,
    # Of them, members already in 2017 (the rest are new in 2018), and 2017 members who left.
    "households_renewed_from_2017": 220,
    "individuals_renewed_from_2017": 300,
    "individuals_2017_only": 120,
    "reception_visits_2018": 2400,
    "today_members": 180,
    # The activities issue: 352 events in the agenda, 3500 usagers, 80 board/project volunteers.
    "public_sessions_2018": 352,
    "users_2018": 3500,
    "governance_volunteers_2018": 80,
}

PROJECT_GROUPS = [("alimentation", "Alimentation"), ("economie-partage", "Économie de partage"),
                  ("culture", "Culture"), ("mobilite", "Mobilité"), ("communication", "Communication")]

REGULAR_ACTIVITIES = [  # title, kind, theme, project group
    ("Atelier textile", "workshop", "Couture", "economie-partage"),
    ("Atelier numérique", "workshop", "Numérique", "economie-partage"),
    ("Petit bricolage et réparation vélo", "workshop", "Réparation", "mobilite"),
    ("Cuisine partagée", "workshop", "Alimentation", "alimentation"),
    ("Apéro culture", "meeting", "Culture", "culture"),
]

VALENCE = {
    "name": "Coopération de Valence (démonstration)",
    "slug": "valence",
    "card_prefix": "VAL",
    "associations": [
        {
            "name": "Centre social de Fontbarlettes",
            "address": "Fontbarlettes 26000 Valence",
            "house": {
                "name": "Centre social de Fontbarlettes", "short_name": "Fontbarlettes",
                "address": "rue Jean-Louis Barrault", "phone": "",
                "priority_area": True, "colour": "#6A4C93", "agreements": ["cs"],
            },
        },
    ],
    "people": 40,
}

NEIGHBOURHOODS = {
    "St Nicolas": ["Centre ancien", "St Nicolas", "Jacquemart"],
    "Les Ors": ["Les Ors", "La Presle", "Saint-Romain"],
    "Maison Citoyenne": ["Quartiers Est", "La Monnaie", "Jules Verne"],
    "Fontbarlettes": ["Fontbarlettes", "Le Plan"],
}

FIRST_NAMES_F = ["Amina", "Brigitte", "Chloé", "Danielle", "Élodie", "Fatima", "Gisèle", "Hélène",
                 "Inès", "Jeanne", "Khadija", "Léa", "Marie", "Nadia", "Océane", "Paulette",
                 "Rachida", "Sophie", "Thérèse", "Yasmine", "Zoé", "Mariana", "Angèle", "Lucie"]
FIRST_NAMES_M = ["Ahmed", "Bernard", "Cédric", "Daniel", "Éric", "François", "Gérard", "Hugo",
                 "Idriss", "Jean-Marc", "Karim", "Louis", "Mohamed", "Nicolas", "Omar", "Pierre",
                 "Rémi", "Samir", "Théo", "Yannick", "Youssef", "André", "Mathis", "Noël"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
              "Leroy", "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David",
              "Bertrand", "Roux", "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
              "Benali", "Haddad", "Mansouri", "Diallo", "Traoré", "Nguyen", "Da Silva", "Ferreira",
              "Öztürk", "Yilmaz", "Chabert", "Reverbel", "Faure", "Blanc", "Guérin", "Muller",
              "Bonnet", "Rousseau", "Fontaine", "Chevalier", "Robin", "Masson", "Sanchez", "Boyer"]

LOGINS = [
    # username, role, association index (in the cooperation's list), first name
    ("directrice", "director", 0, "Angeles"),
    ("coordinatrice", "coordinator", 0, "Mariana"),
    ("accueil", "reception", 0, "Claire"),
    ("accueil-ors", "reception", 1, "Samia"),
    ("benevole", "volunteer", 0, "Bernard"),
    ("evaluatrice", "evaluator", 0, "Marine"),
]
PASSWORD = "coope-demo"  # noqa: S105 (demo only, printed by make run)
