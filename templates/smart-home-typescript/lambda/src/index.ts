/** The AWS Lambda entry point: ask-resources.json names it as handler "dist/src/index.handler". */
import { createHandler } from './smart-home';

export const handler = createHandler();
