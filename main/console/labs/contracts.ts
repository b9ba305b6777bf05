// Each lab's own requests and events (`lab-x:verb`), merged into the console contract. One line per lab.
// zod only: compiled into the DOM build with the contract.
import { LAB_A_EVENTS, LAB_A_REQUESTS } from './lab-a/contract.js';
import { LAB_C_EVENTS, LAB_C_REQUESTS } from './lab-c/contract.js';
import { LAB_D_EVENTS, LAB_D_REQUESTS } from './lab-d/contract.js';
import { LAB_E_EVENTS, LAB_E_REQUESTS } from './lab-e/contract.js';

export const LAB_REQUESTS = { ...LAB_A_REQUESTS, ...LAB_C_REQUESTS, ...LAB_D_REQUESTS, ...LAB_E_REQUESTS } as const;
export const LAB_EVENTS = { ...LAB_A_EVENTS, ...LAB_C_EVENTS, ...LAB_D_EVENTS, ...LAB_E_EVENTS } as const;
