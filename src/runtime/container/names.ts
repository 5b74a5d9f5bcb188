/** Docker-style generated names (`brave_turing`) for containers created without --name. */
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'agile', 'bold', 'brave', 'bright', 'calm', 'clever', 'cosmic', 'eager', 'fervent', 'gentle', 'happy', 'jolly',
  'keen', 'lucid', 'merry', 'nimble', 'quiet', 'quick', 'serene', 'sharp', 'steady', 'sturdy', 'sunny', 'swift',
  'tender', 'trusty', 'vivid', 'wise', 'witty', 'zealous',
];
const NAMES = [
  'babbage', 'bohr', 'curie', 'darwin', 'dijkstra', 'einstein', 'euler', 'fermi', 'galileo', 'gauss', 'hopper',
  'hypatia', 'kepler', 'knuth', 'lamarr', 'lovelace', 'meitner', 'newton', 'noether', 'pascal', 'ritchie',
  'shannon', 'tesla', 'thompson', 'torvalds', 'turing', 'volta', 'wozniak', 'yalow', 'zuse',
];

/** The first generated name `take` accepts (it claims the name, or says it is taken). */
export function generateName(take: (name: string) => boolean): string {
  for (let attempt = 0; ; attempt++) {
    const base = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${NAMES[randomInt(NAMES.length)]}`;
    const name = attempt < 10 ? base : `${base}${randomInt(1000)}`;
    if (take(name)) return name;
  }
}

/** Docker's rule for container names. */
export const VALID_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
