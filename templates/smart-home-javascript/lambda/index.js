'use strict';

/** The AWS Lambda entry point: ask-resources.json names it as handler "index.handler". */
const { createHandler } = require('./smart-home');

exports.handler = createHandler();
