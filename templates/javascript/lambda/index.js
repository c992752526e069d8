'use strict';

/** The AWS Lambda entry point: ask-resources.json names it as handler "index.handler". */
const { createSkill } = require('./skill');

const skill = createSkill();

exports.handler = async (event, context) => skill.invoke(event, context);
