/** Tests run the TypeScript sources through ts-jest, importing the package by its own name. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: { module: 'CommonJS', moduleResolution: 'Node10', isolatedModules: true } }],
  },
  moduleNameMapper: {
    '^rx-lifecycle$': '<rootDir>/src/index.ts',
    '^rx-lifecycle/(http|client|react|nats)$': '<rootDir>/src/$1/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testTimeout: 20000,
};
