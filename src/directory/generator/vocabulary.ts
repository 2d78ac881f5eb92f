/**
 * Realistic values for generated extracts: names with accents, apostrophes and quotes (the file
 * has no quoting, so `"` must survive as an ordinary character), French places and streets.
 */

export const SURNAMES = [
  'MARTIN', 'BERNARD', 'DUBOIS', 'THOMAS', 'ROBERT', 'RICHARD', 'PETIT', 'DURAND', 'LEROY', 'MOREAU',
  'SIMON', 'LAURENT', 'LEFÈVRE', 'MICHEL', 'GARCIA', 'DAVID', 'BERTRAND', 'ROUX', 'VINCENT', 'FOURNIER',
  'MOREL', 'GIRARD', 'ANDRÉ', 'MERCIER', 'DUPONT', 'LAMBERT', 'BONNET', 'FRANÇOIS', 'MARTINEZ', 'LEGRAND',
  "D'ALEMBERT", "N'DIAYE", "O'NEILL", 'DE LA FONTAINE', 'LE GOFF', 'NGUYEN', 'HÉLIAS', 'CŒUR', 'MÜLLER', 'BENOÎT',
  'CHÂTEAU-GIRON', 'PÉREZ', 'SANTOS', 'ÉTIENNE', 'GRÉGOIRE', 'BOUCHER', 'CARON', 'HAMEL', 'BARBIER', 'RENAUD',
];

export const FIRST_NAMES = [
  'Hélène', 'Jérôme', 'Anaïs', 'Zoé', 'Loïc', 'Maëlle', 'Noël', 'Françoise', 'Agnès', 'Éric',
  'Cécile', 'Benoît', 'Joël', 'Chloé', 'Gaëlle', 'Mélanie', 'Sébastien', 'Frédéric', 'Valérie', 'Thérèse',
  'Marie', 'Jean', 'Pierre', 'Sophie', 'Nicolas', 'Camille', 'Léa', 'Hugo', 'Inès', 'Océane',
  'Jean-François', 'Marie-Hélène', 'Aïcha', 'Yasmine', 'Karim', 'Ndèye', 'Björn', 'Lætitia', 'Anne-Sophie', 'Raphaël',
];

/** code postal, code commune (INSEE), commune, département code, département */
export const PLACES = [
  ['75009', '75109', 'Paris 9e Arrondissement', '75', 'Paris'],
  ['75013', '75113', 'Paris 13e Arrondissement', '75', 'Paris'],
  ['69003', '69383', 'Lyon 3e Arrondissement', '69', 'Rhône'],
  ['13005', '13205', 'Marseille 5e Arrondissement', '13', 'Bouches-du-Rhône'],
  ['31000', '31555', 'Toulouse', '31', 'Haute-Garonne'],
  ['33000', '33063', 'Bordeaux', '33', 'Gironde'],
  ['59000', '59350', 'Lille', '59', 'Nord'],
  ['67000', '67482', 'Strasbourg', '67', 'Bas-Rhin'],
  ['44000', '44109', 'Nantes', '44', 'Loire-Atlantique'],
  ['35000', '35238', 'Rennes', '35', 'Ille-et-Vilaine'],
  ['06000', '06088', 'Nice', '06', 'Alpes-Maritimes'],
  ['20000', '2A004', 'Ajaccio', '2A', 'Corse-du-Sud'],
  ['20200', '2B033', 'Bastia', '2B', 'Haute-Corse'],
  ['97400', '97411', 'Saint-Denis', '974', 'La Réunion'],
  ['63000', '63113', 'Clermont-Ferrand', '63', 'Puy-de-Dôme'],
  ['29200', '29019', 'Brest', '29', 'Finistère'],
] as const;

export const STREET_TYPES = [['R', 'Rue'], ['AV', 'Avenue'], ['BD', 'Boulevard'], ['PL', 'Place'], ['CHE', 'Chemin'], ['IMP', 'Impasse'], ['ALL', 'Allée']] as const;

export const STREETS = [
  'DE LA RÉPUBLIQUE', 'VICTOR HUGO', 'JEAN JAURÈS', 'DU GÉNÉRAL DE GAULLE', 'PASTEUR', 'DES LILAS', "DE L'ÉGLISE",
  'NATIONALE', 'DU 8 MAI 1945', 'GAMBETTA', 'DES ÉCOLES', 'DU MOULIN', 'SAINT-ÉLOI', 'ÉMILE ZOLA', 'DE LA GARE',
];

export const HOSPITAL_NAMES = [
  'CENTRE HOSPITALIER DE', 'CHU DE', 'CLINIQUE SAINTE-ANNE DE', 'HÔPITAL PRIVÉ DE', 'CENTRE DE SANTÉ MUNICIPAL DE',
  'EHPAD LES "GLYCINES" DE', "RÉSIDENCE L'ÉTOILE DE", 'MAISON DE SANTÉ PLURIPROFESSIONNELLE DE',
];
