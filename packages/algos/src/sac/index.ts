// SAC: networks, losses and the agent with its taxonomy entry.
export { sac, sacAgent } from "./train.ts";
export type { SacConfig, SacState } from "./train.ts";
export { criticLoss, actorLoss, alphaLoss } from "./losses.ts";
export { sacNetworks } from "./networks.ts";
