/** The AWS Lambda entry point: ask-resources.json names it as handler "dist/src/index.handler". */
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import { createSkill } from './skill';

const skill = createSkill();

export const handler = async (event: RequestEnvelope, context?: unknown): Promise<ResponseEnvelope> => skill.invoke(event, context);
