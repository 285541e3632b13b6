// TD3: networks, losses and the agent with its taxonomy entry.
export { td3, td3Agent } from "./train.ts";
export type { Td3Config, Td3State } from "./train.ts";
export { criticLoss, actorLoss } from "./losses.ts";
export type { SmoothingNoise } from "./losses.ts";
export { td3Networks } from "./networks.ts";
export type { Td3NetworkConfig } from "./networks.ts";
