// Name lists for the synthetic customers, most common first (the generator picks with a Zipf-like skew). Given
// names mix canonical names that have nicknames (see src/unify/nicknames.ts) with names that have none.
const list = (words: string): string[] => words.trim().split(/\s+/);

export const names = {
  first: list(`
    Michael Anna Thomas Maria Robert Sophie William Laura James Elizabeth David Julia John Margaret
    Richard Hannah Daniel Lena Christopher Sarah Matthew Emma Andrew Jennifer Joseph Katherine Nicholas
    Lukas Felix Patricia Benjamin Rebecca Samuel Jessica Jonathan Susan Alexander Victoria Anthony
    Barbara Charles Deborah Edward Catherine Peter Amanda Stephen Melissa Kenneth Angela Timothy
    Kimberly Gregory Isabella Patrick Abigail Raymond Teresa Lawrence Pamela Philip Virginia Jacob
    Cynthia Joshua Dorothy Henry Eleanor Walter Jacqueline Frederick Louise Vincent Madeline Zachary
    Judith Douglas Allison Gerald Florence Ronald Nancy Donald Mildred Leonard Christina Albert Frances
    Arthur Samantha Harold Paul Mia Leon Noah Clara Jonas Marie Finn Emily Elias Charlotte Oskar Amelie
    Moritz Johanna Jakob Lina Simon Nora Tobias Ida Sebastian Greta Fabian Paula Florian Helena Dominik
    Carla Kevin Frieda Marcel Mathilda Dennis Zoe Sven Ingrid Jürgen Renée José Søren Chloé Ramón Zoë
  `),
  last: list(`
    Müller Smith Schmidt Johnson Schneider Williams Fischer Brown Weber Jones Meyer Garcia Wagner Miller
    Becker Davis Schulz Rodriguez Hoffmann Martinez Schäfer Hernandez Koch Lopez Bauer Gonzalez Richter
    Wilson Klein Anderson Wolf Thomas Schröder Taylor Neumann Moore Schwarz Jackson Zimmermann Martin
    Braun Lee Krüger Perez Hofmann Thompson Hartmann White Lange Harris Schmitt Sanchez Werner Clark
    Schmitz Ramirez Krause Lewis Meier Robinson Lehmann Walker Schmid Young Schulze Allen Maier King
    Köhler Wright Herrmann Scott König Torres Walter Nguyen Mayer Hill Huber Flores Kaiser Green Fuchs
    Adams Peters Nelson Lang Baker Scholz Hall Möller Rivera Weiß Campbell Jung Mitchell Hahn Carter
    Schubert Roberts Vogel Friedrich Keller Günther Frank Berger Winkler Roth Beck Lorenz Baumann Franke
    Albrecht Schuster Simon Ludwig Böhm Winter Kraus Martín Schumacher Krämer Vogt Stein Jäger Otto
    Sommer Groß Seidel Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl Engel
    Horn Busch Bergmann Thomsen Voigt Sauer Arnold Wolff Pfeiffer O'Brien McDonald Smith-Jones Dvořák Nowak
  `),
};
